CREATE TABLE `core_counter_sets` (
	`core_id` text PRIMARY KEY NOT NULL,
	`users` text NOT NULL,
	`counters` blob NOT NULL,
	`uptime_seconds` real,
	`uptime_read_at` integer,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
