-- Why a notification failed (Discord's answer), recorded per person or role.
ALTER TABLE notifications ADD COLUMN reason TEXT;
