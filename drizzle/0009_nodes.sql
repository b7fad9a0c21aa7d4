CREATE TABLE `key_nodes` (
	`key_id` integer NOT NULL,
	`node_id` integer NOT NULL,
	`upload_bytes` integer DEFAULT 0 NOT NULL,
	`download_bytes` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`key_id`, `node_id`),
	FOREIGN KEY (`key_id`) REFERENCES `keys`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `key_nodes_node` ON `key_nodes` (`node_id`);--> statement-breakpoint
CREATE TABLE `node_usage_daily` (
	`node_id` integer NOT NULL,
	`day` text NOT NULL,
	`upload_bytes` integer DEFAULT 0 NOT NULL,
	`download_bytes` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`node_id`, `day`),
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `node_users` (
	`node_id` integer NOT NULL,
	`name_key` text NOT NULL,
	`name` text NOT NULL,
	`uuid` text NOT NULL,
	PRIMARY KEY(`node_id`, `name_key`),
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`display_name` text,
	`address` text,
	`port` integer,
	`sni` text,
	`target` text,
	`reality_private_key` text,
	`reality_short_ids` text DEFAULT '[]' NOT NULL,
	`transport` text NOT NULL,
	`ssh_user` text,
	`ssh_host` text,
	`ssh_port` integer,
	`ssh_host_key` text,
	`remote_dir` text,
	`core_bin` text,
	`api_port` integer,
	`direct_address` text,
	`enabled` integer DEFAULT true NOT NULL,
	`traffic_multiplier` real DEFAULT 1 NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`health` text DEFAULT 'unknown' NOT NULL,
	`health_since` integer,
	`failures` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_seen_at` integer,
	`rtt_ms` integer,
	`core_version` text,
	`uptime_seconds` integer,
	`users_in_core` integer,
	`memory_bytes` integer,
	`cpu_percent` real,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_name_nocase` ON `nodes` (lower("name"));--> statement-breakpoint
-- Today's core becomes node `local`: its REALITY keys, short ids, SNI and target move from
-- settings into its row (null SNI/target/address/port: from the environment, as before).
INSERT INTO `nodes` (`name`, `transport`, `position`, `reality_private_key`, `reality_short_ids`, `sni`, `target`)
VALUES ('local', 'local', 0,
  (SELECT json_extract(`value`, '$') FROM `settings` WHERE `key` = 'realityPrivateKey'),
  coalesce((SELECT `value` FROM `settings` WHERE `key` = 'realityShortIds'), '[]'),
  (SELECT json_extract(`value`, '$') FROM `settings` WHERE `key` = 'realitySni'),
  (SELECT json_extract(`value`, '$') FROM `settings` WHERE `key` = 'realityTarget'));--> statement-breakpoint
-- Every key is on it (the services add the rows of later keys and nodes).
INSERT INTO `key_nodes` (`key_id`, `node_id`) SELECT k.`id`, n.`id` FROM `keys` k, `nodes` n;--> statement-breakpoint
DELETE FROM `settings` WHERE `key` IN ('realityPrivateKey', 'realityShortIds', 'realitySni', 'realityTarget');
