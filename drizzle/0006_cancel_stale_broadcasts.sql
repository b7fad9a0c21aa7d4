-- Broadcasts left running by versions before 0004 cannot be resumed (no cursor, entities or
-- progress message were kept): resuming them would send to everyone again, long after.
UPDATE `broadcasts` SET `state` = 'cancelled', `finished_at` = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE `state` = 'running' AND `progress_message_id` IS NULL;
