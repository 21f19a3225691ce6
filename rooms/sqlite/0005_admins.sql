-- What a room's payload shows without reading its members.
--   - rooms.member_count is kept by the two triggers, in the transaction
--     of every membership row written or deleted.
--   - room_members_admins gives a room's admins whatever its size.
ALTER TABLE rooms ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET member_count = (SELECT COUNT(*) FROM room_members m WHERE m.room_id = rooms.id);
CREATE TRIGGER IF NOT EXISTS room_members_joined AFTER INSERT ON room_members BEGIN
	UPDATE rooms SET member_count = member_count + 1 WHERE id = NEW.room_id;
END;
CREATE TRIGGER IF NOT EXISTS room_members_left AFTER DELETE ON room_members BEGIN
	UPDATE rooms SET member_count = member_count - 1 WHERE id = OLD.room_id;
END;
CREATE INDEX IF NOT EXISTS room_members_admins ON room_members (room_id, pos) WHERE role = 'admin';
