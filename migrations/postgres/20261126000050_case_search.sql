-- Case autocomplete reads the guild's cases in the order it shows them (open first, newest
-- first) and stops at 25: this index gives that order without sorting the guild's cases.
CREATE INDEX cases_by_shown_order ON cases (
    guild_id,
    (CASE status WHEN 'open' THEN 0 WHEN 'vendor-responded' THEN 1 ELSE 2 END),
    number DESC
);

-- Replicas learn that a guild's registry changed without reading its version per request:
-- every bump of registry_versions notifies the channel they LISTEN on, delivered when the
-- writing transaction commits (never for one that rolls back). Here rather than in the
-- application so that any writer, old binaries included, is heard.
CREATE FUNCTION backline_registry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('backline_registry', NEW.guild_id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER registry_versions_notify AFTER INSERT OR UPDATE ON registry_versions
    FOR EACH ROW EXECUTE FUNCTION backline_registry_changed();
