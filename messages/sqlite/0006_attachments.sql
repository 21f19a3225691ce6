-- The ids of the files a message was sent with (a JSON array), erased with
-- the message.
ALTER TABLE messages ADD COLUMN attachments TEXT;
