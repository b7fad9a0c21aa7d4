ALTER TABLE `broadcasts` ADD `entities` text;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `progress_chat_id` integer;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `progress_message_id` integer;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `last_recipient_id` integer;