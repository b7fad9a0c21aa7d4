CREATE TABLE `node_key_charges` (
	`node_id` integer PRIMARY KEY NOT NULL,
	`charged` blob NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
