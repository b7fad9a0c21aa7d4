ALTER TABLE `nodes` ADD `core_flavor` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `core_mode` text;