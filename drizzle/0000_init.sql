CREATE TABLE `api_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`scopes` text NOT NULL,
	`rate_limit_per_minute` integer DEFAULT 120 NOT NULL,
	`rate_limit_per_hour` integer DEFAULT 3600 NOT NULL,
	`allowed_ips` text DEFAULT '[]' NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`revoked_at` integer,
	`expire_at` integer,
	`last_used_at` integer,
	`total_requests` integer DEFAULT 0 NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `bot_sessions` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `core_counters` (
	`core_id` text NOT NULL,
	`name` text NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`core_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`type` text NOT NULL,
	`severity` text DEFAULT 'info' NOT NULL,
	`actor` text,
	`subject` text,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `events_at` ON `events` (`created_at`);--> statement-breakpoint
CREATE INDEX `events_type` ON `events` (`type`,`created_at`);--> statement-breakpoint
CREATE TABLE `key_usage_daily` (
	`key_id` integer NOT NULL,
	`day` text NOT NULL,
	`upload_bytes` integer DEFAULT 0 NOT NULL,
	`download_bytes` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`key_id`, `day`),
	FOREIGN KEY (`key_id`) REFERENCES `keys`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `key_usage_daily_day` ON `key_usage_daily` (`day`);--> statement-breakpoint
CREATE TABLE `keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`uuid` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`traffic_limit_bytes` integer,
	`upload_bytes` integer DEFAULT 0 NOT NULL,
	`download_bytes` integer DEFAULT 0 NOT NULL,
	`lifetime_used_bytes` integer DEFAULT 0 NOT NULL,
	`expire_at` integer,
	`on_hold_duration_seconds` integer,
	`on_hold_deadline` integer,
	`reset_strategy` text DEFAULT 'no_reset' NOT NULL,
	`last_reset_at` integer,
	`owner_telegram_id` integer,
	`note` text,
	`sub_token` text NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`online_at` integer,
	`first_connected_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `keys_name_nocase` ON `keys` (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX `keys_uuid` ON `keys` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `keys_sub_token` ON `keys` (`sub_token`);--> statement-breakpoint
CREATE INDEX `keys_owner` ON `keys` (`owner_telegram_id`);--> statement-breakpoint
CREATE INDEX `keys_status` ON `keys` (`status`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`telegram_id` integer,
	`key_id` integer,
	`plan_id` integer,
	`provider` text NOT NULL,
	`provider_payment_id` text,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`state` text DEFAULT 'created' NOT NULL,
	`data` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`paid_at` integer,
	`applied_at` integer,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`key_id`) REFERENCES `keys`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_provider_payment` ON `orders` (`provider`,`provider_payment_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`dedupe_key` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`delivered_at` integer,
	`failed_at` integer,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`delivered_at`,`failed_at`,`next_attempt_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_dedupe` ON `outbox` (`dedupe_key`);--> statement-breakpoint
CREATE TABLE `plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`days` integer NOT NULL,
	`traffic_gb` integer,
	`price_stars` integer,
	`prices` text DEFAULT '{}' NOT NULL,
	`is_trial` integer DEFAULT false NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `telegram_users` (
	`id` integer PRIMARY KEY NOT NULL,
	`username` text,
	`first_name` text,
	`last_name` text,
	`language_code` text,
	`language` text,
	`role` text DEFAULT 'user' NOT NULL,
	`banned` integer DEFAULT false NOT NULL,
	`reachable` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
