-- Message content outside the database (docs/store.md, "Message content: files or database"): content_file is the path of
-- the content's file under <data-dir>/content/ ("3f/3f0c...": fan-out directory, then the key).
-- NULL means the content is in message_chunks: the database backend, and every message stored before V6.
ALTER TABLE messages ADD COLUMN content_file VARCHAR(80);
-- the orphan sweep asks, for each old file it finds, whether a message row still names it
CREATE INDEX messages_content_file_ix ON messages (content_file);
