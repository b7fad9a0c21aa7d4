CREATE TABLE `promo_redemptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`promo_id` integer NOT NULL,
	`telegram_id` integer NOT NULL,
	`order_id` integer NOT NULL,
	`state` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`promo_id`) REFERENCES `promo_codes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `promo_redemptions_person` ON `promo_redemptions` (`promo_id`,`telegram_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `promo_redemptions_order` ON `promo_redemptions` (`order_id`);--> statement-breakpoint
ALTER TABLE `orders` ADD `expires_at` integer;--> statement-breakpoint
CREATE INDEX `orders_state_expires` ON `orders` (`state`,`expires_at`);--> statement-breakpoint
-- Orders opened before orders expired get the default hour from now, not forever.
UPDATE `orders` SET `expires_at` = CAST(unixepoch('subsec') * 1000 AS INTEGER) + 3600000
WHERE `state` = 'created';--> statement-breakpoint
-- Codes of paid orders count as used by their buyer, those of open orders as reserved (one per
-- person and code: a use wins over a reservation, even where the old bug let a person use one twice).
INSERT OR IGNORE INTO `promo_redemptions` (`promo_id`, `telegram_id`, `order_id`, `state`)
SELECT p.`id`, o.`telegram_id`, o.`id`, CASE o.`state` WHEN 'created' THEN 'reserved' ELSE 'used' END
FROM `orders` o
JOIN `promo_codes` p ON lower(p.`code`) = lower(json_extract(o.`data`, '$.promo'))
WHERE o.`state` IN ('created', 'applied', 'refunded') AND o.`telegram_id` IS NOT NULL
ORDER BY o.`state` = 'created', o.`id`;
