-- Header fields a check adds once the whole message has streamed in (Authentication-Results, RFC 8601): they go
-- on top of the stored message, but the content is already written (a file, or chunk rows) by then, so they are
-- kept here and read before it. NULL: none. messages.size counts them.
ALTER TABLE messages ADD COLUMN header_prefix BYTEA;
