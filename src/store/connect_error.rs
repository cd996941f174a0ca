//! Why the database could not be opened, for the operator: the usual start-up mistakes named
//! once, with the fix, instead of the driver's message (which repeats its cause).

use super::DatabaseUrl;

/// A sentence saying what is wrong with `url` and how to fix it, when `error` (from
/// `connect`) is one of the usual mistakes; `None` for anything else.
pub fn explain_connect_error(error: &anyhow::Error, url: &DatabaseUrl) -> Option<String> {
    let cause = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<sqlx::Error>())?;
    let parsed = url::Url::parse(url.expose()).ok();
    let parsed = parsed.as_ref();
    let host = parsed
        .and_then(|u| u.host_str())
        .unwrap_or("localhost")
        .to_owned();
    let port = parsed.and_then(url::Url::port).unwrap_or(5432);
    let user = parsed
        .map(url::Url::username)
        .filter(|u| !u.is_empty())
        .unwrap_or("postgres");
    let name = parsed
        .map(|u| u.path().trim_start_matches('/'))
        .unwrap_or_default();
    let sqlite = url.expose().starts_with("sqlite:");
    match cause {
        sqlx::Error::Database(database) => match database.code().as_deref() {
            // invalid_catalog_name
            Some("3D000") => Some(format!(
                "PostgreSQL at {host}:{port} has no database named \"{name}\". Create it \
                 (`createdb -h {host} -p {port} -U {user} {name}`, or `CREATE DATABASE \"{name}\";` \
                 in psql) or point DATABASE_URL at one that exists; backline creates its tables itself."
            )),
            // invalid_authorization_specification: no such role, or pg_hba refuses it
            Some("28000") => Some(format!(
                "PostgreSQL at {host}:{port} refused user \"{user}\": {}. Check the user in \
                 DATABASE_URL (`postgres://USER:PASSWORD@{host}:{port}/{name}`).",
                database.message()
            )),
            // invalid_password
            Some("28P01") => Some(format!(
                "PostgreSQL at {host}:{port} refused the password of user \"{user}\". Check the \
                 password in DATABASE_URL."
            )),
            // SQLITE_CANTOPEN
            Some("14") if sqlite => Some(format!(
                "cannot open the SQLite file of {}: does its directory exist, and may backline \
                 write there?",
                url.redacted()
            )),
            _ => None,
        },
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) if !sqlite => Some(format!(
            "cannot reach PostgreSQL at {host}:{port}: is the server running, and are host and \
             port in DATABASE_URL right?"
        )),
        // The driver's wording may quote the URL, password included: not repeated here.
        sqlx::Error::Configuration(_) => Some(
            "DATABASE_URL is not a valid database URL: write sqlite://FILE or \
             postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE."
                .to_owned(),
        ),
        _ => None,
    }
}
