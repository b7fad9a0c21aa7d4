## Common
error-generic = Something went wrong on our side. Please try again in a minute.
refused-not-admin = This command is for administrators only.
banned = Access to this bot has been closed for you.
too-fast = ⏳ Not so fast, please: try again in { $seconds } s.
private-chat-only = I answer only in a private chat: open a chat with me and send the command there.
private-chat-open = 💬 Open a private chat

## Start
start-greeting =
    Hi, { $name }! 👋
    I hand out and look after your VPN keys.
    Use /keys to see your keys, /new to ask for one, /help for set-up guides.

## Main menu
menu-keys = 🔑 My keys
menu-new = ➕ New key
menu-traffic = 📊 Traffic
menu-buy = 💳 Buy / renew
menu-help = ❓ Help
menu-language = 🌐 Language
fallback-unknown-command = I don't know the command { $command }.
fallback-hint = Use the buttons below, or /keys, /new, /traffic, /help.

## Keys
keys-none = You have no keys yet. Press «➕ New key» in the menu or send /new.
keys-list = You have { $count } keys. Pick one:
key-card =
    🔑 <b>{ $name }</b> · { $status }
    { $expiry }
    { $traffic }
key-card-no-link = The link will appear here once the VPN server is running. Please try again in a minute.
key-status-active = 🟢 active
key-status-disabled = ⛔ disabled
key-status-limited = 🚫 traffic used up
key-status-expired = ⌛ expired
key-status-on-hold = ⏸ waiting for the first connection
key-expiry-never = 📅 No expiry date
key-expiry-until = 📅 Valid until { $date } ({ $days ->
        [one] { $days } day
       *[other] { $days } days
    } left)
key-expiry-past = 📅 Expired on { $date }
key-expiry-on-hold = 📅 Runs { $days ->
        [one] { $days } day
       *[other] { $days } days
    } from the first connection
key-traffic-unlimited = 📶 { $used } used · no traffic limit
key-traffic-limited =
    📶 { $used } of { $limit }
    { $bar } { $percent }%
key-btn-page = 🌐 Subscription page
key-btn-qr = 📷 Subscription QR
key-btn-sub = 🔗 Subscription link
key-btn-traffic = 📊 Traffic
key-btn-regen = 🔄 New link
key-btn-delete = 🗑 Delete
key-btn-regen-confirm = ✅ Yes, replace the link
key-btn-delete-confirm = 🗑 Yes, delete the key
key-btn-cancel = ↩️ Cancel
key-regen-ask = The current link will stop working on every device. Replace it? Confirm with the button below the key.
key-regen-done = Done: the key has a new link. Import it into your app again.
key-delete-ask = The key will be deleted for good. Delete it? Confirm with the button below the key.
key-deleted = 🗑 Key <b>{ $name }</b> was deleted.
key-not-available = This key is not available.
key-sub-link =
    🔗 Subscription link of <b>{ $name }</b>:
    <code>{ $url }</code>

    Add it in your VPN app as a subscription: the app keeps the key up to date by itself. How: /help
key-sub-qr =
    📷 Scan this in your VPN app to add the subscription of <b>{ $name }</b>:
    <code>{ $url }</code>

## New key
new-key-created = 🎉 Your key is ready!
new-key-requested = 📨 Your request went to the administrators. I will write to you as soon as they decide.
new-key-pending = ⏳ Your request is already waiting for an administrator. I will write to you once it is decided.
new-key-closed = 🙏 Sorry, new keys are not handed out here right now.
new-key-limit = You already have { $max ->
        [one] a key
       *[other] { $max } keys
    }, as many as one person can have. Your keys are in /keys.
new-key-recently = You have been given { $max ->
        [one] a free key
       *[other] { $max } free keys
    } in the last { $days } days (deleted keys count too), as many as one person can get. You can ask again from { $date }; your keys are in /keys.

## Key requests
request-admin =
    🆕 <b>Key request #{ $id }</b>
    From: { $who }
request-admin-approved = ✅ Approved by { $admin }: key <code>{ $key }</code>
request-admin-rejected = ❌ Declined by { $admin }
request-admin-cancelled = ↩️ Withdrawn: the person got a key another way.
request-btn-approve = ✅ Approve
request-btn-reject = ❌ Decline
request-done-approved = Approved: key { $key } created.
request-done-rejected = Declined.
request-already-decided = This request has already been decided.

## Traffic
traffic-caption =
    📊 <b>{ $name }</b> · { $status }
    Today: { $today }
    This month: { $month }
    All time: { $lifetime }
    { $traffic }
    { $expiry }
traffic-chart-title = { $name }: last 30 days
traffic-download = download
traffic-upload = upload
traffic-chart-empty = No traffic yet
traffic-btn-refresh = 🔄 Refresh
traffic-updated = Updated
traffic-pick = Which key?

## Help
help-main =
    <b>How to connect</b>
    1. Install a VPN app: pick your device below.
    2. Open /keys, press «🔗 Subscription link» and copy the link.
    3. In the app add a subscription from the clipboard (usually «+» → «Import from clipboard»). The app keeps the key up to date by itself.
    You can also scan the key's QR code with the app instead.
help-btn-android = 🤖 Android
help-btn-ios = 🍏 iPhone / iPad
help-btn-windows = 🪟 Windows
help-btn-macos = 💻 macOS
help-btn-back = ⬅️ Back
help-android =
    <b>Android</b>

    <b>v2rayNG</b>: <a href="https://play.google.com/store/apps/details?id=com.v2ray.ang">Google Play</a> · <a href="https://github.com/2dust/v2rayNG/releases">GitHub</a>
    Copy the subscription link. In v2rayNG open ☰ → «Subscription group setting» → «+», paste the link into «URL» and save. Back on the main screen tap ⋮ → «Update subscription», pick the server and tap ▶.

    <b>Hiddify</b>: <a href="https://play.google.com/store/apps/details?id=app.hiddify.com">Google Play</a> · <a href="https://github.com/hiddify/hiddify-app/releases">GitHub</a>
    Copy the subscription link, open Hiddify, tap «+ New profile» → «Add from clipboard», then the big connect button.
help-ios =
    <b>iPhone and iPad</b>

    <b>Streisand</b> (free): <a href="https://apps.apple.com/app/streisand/id6450534064">App Store</a>
    Copy the subscription link, open Streisand, tap «+» → «Add from clipboard» and switch the connection on.

    <b>FoXray</b> (free): <a href="https://apps.apple.com/app/foxray/id6448898396">App Store</a>
    Copy the subscription link, open FoXray, tap the clipboard button to add it, then ▶.

    <b>Shadowrocket</b> (paid): <a href="https://apps.apple.com/app/shadowrocket/id932747118">App Store</a>
    Copy the subscription link and open Shadowrocket: it offers to add it. If not, tap «+», choose type «Subscribe», paste the link as URL and save.
help-windows =
    <b>Windows</b>

    <b>v2rayN</b>: <a href="https://github.com/2dust/v2rayN/releases">GitHub</a> (download the «windows-64-desktop» zip)
    Copy the subscription link. In v2rayN open «Subscription group» → «Subscription group setting» → «Add», paste the link into «Url» and confirm. Then «Subscription group» → «Update subscriptions», select the server, press Enter, and set «System proxy» to «Set system proxy».

    <b>Hiddify</b>: <a href="https://github.com/hiddify/hiddify-app/releases">GitHub</a>
    Copy the subscription link, open Hiddify, click «+ New profile» → «Add from clipboard», then the connect button.
help-macos =
    <b>macOS</b>

    <b>Hiddify</b>: <a href="https://github.com/hiddify/hiddify-app/releases">GitHub</a>
    Copy the subscription link, open Hiddify, click «+ New profile» → «Add from clipboard», then the connect button.

    <b>FoXray</b> and <b>Streisand</b> (Macs with Apple silicon): <a href="https://apps.apple.com/app/foxray/id6448898396">FoXray</a> · <a href="https://apps.apple.com/app/streisand/id6450534064">Streisand</a>
    They work as on iPhone: copy the subscription link and add it from the clipboard.

## Language
language-choose = Choose your language:
language-set = Done! I will speak English with you from now on.
language-btn-en = 🇬🇧 English
language-btn-ru = 🇷🇺 Русский

## Support
support-contact = 💬 Support: { $contact }

## Invites
invite-accepted = 🎟 Invite accepted: this key is yours!
invite-refused-not-found = 🎟 This invite link is not valid. Please check it with whoever sent it to you.
invite-refused-inactive = 🎟 This invite has been switched off.
invite-refused-expired = 🎟 This invite has expired.
invite-refused-used-up = 🎟 This invite has been used up.
invite-refused-already-redeemed = 🎟 You have used this invite already. Your key is in /keys.
invite-refused-limit = 🎟 You already have as many keys as one person can have, so this invite cannot add another. Your keys are in /keys.

## Notifications
notice-quota = ⚠️ Key <b>{ $key }</b> has used { $percent }% of its traffic.
notice-quota-full = 🚫 Key <b>{ $key }</b> has used all its traffic and is paused. Renew it with /buy.
notice-expiring = ⏳ Key <b>{ $key }</b> expires in { $days ->
        [one] { $days } day
       *[other] { $days } days
    } ({ $date }). Renew it with /buy.
notice-expired = ⌛ Key <b>{ $key }</b> has expired. Renew it with /buy.
notice-never-connected = 👋 Key <b>{ $key }</b> has not connected yet. Need a hand setting it up? See /help.
notice-kicked = 🔄 Key <b>{ $key }</b> has a new link and subscription URL, the old ones no longer work. Get the new ones in /keys.
notice-disabled = ⛔ Key <b>{ $key }</b> was disabled by an administrator.
notice-renewed = ✅ Key <b>{ $key }</b> was renewed.
notice-renewed-until = ✅ Key <b>{ $key }</b> was renewed: valid until { $date }.
notice-approved = ✅ Your key request was approved. Here is your key!
notice-rejected = 😔 Your key request was declined.

## Admin: common
admin-refused-not-owner = Only owners (ADMIN_IDS) can do this.
admin-button-expired = This button no longer works. Open /admin again.
admin-cancelled = Cancelled.
admin-press-button = Please use the buttons under the message.
admin-never = never
admin-none = none
admin-unlimited = unlimited
admin-filter-all = All
admin-page = Page { $page } of { $pages }
admin-core-unavailable = ⚠️ The VPN core is not available.
admin-btn-back = « Back
admin-btn-skip = Skip »
admin-btn-cancel = ✖ Cancel
admin-btn-confirm = ✅ Yes
admin-btn-menu = « Menu
admin-btn-refresh = 🔄 Refresh
admin-btn-create = ✅ Create
admin-btn-done = ✅ Done
admin-btn-send = 📣 Send
admin-err-key-not-found = There is no such key.
admin-err-key-name-taken = A key with this name already exists.
admin-err-invalid-key-name = A key name is 1–32 letters, digits and _ . - @
admin-err-invalid-telegram-id = That is not a Telegram user id.
admin-err-validation-failed = That value is not accepted: <code>{ $detail }</code>
admin-err-last-owner = Owners come from ADMIN_IDS and cannot be removed here.
admin-err-api-key-not-found = There is no such API key.
admin-err-backup-invalid = This is not a usable backup: <code>{ $detail }</code>
admin-err-not-found = Not found: it may have been deleted meanwhile.
admin-err-request-decided = This request has already been decided.
admin-err-not-admin = This is for administrators only.
admin-err-node-name-taken = A node with this name already exists.
admin-err-core-unavailable = The node's core did not answer: <code>{ $detail }</code>
admin-err-other = That did not work (<code>{ $code }</code>).

## Admin: menu
admin-menu-title = 🛠 <b>Administration</b>
admin-menu-summary = Keys: { $keys } ({ $active } active) · online now: { $online }
admin-menu-requests = 📨 Key requests waiting: { $count }
admin-btn-keys = 🔑 Keys
admin-btn-create-key = ➕ Create key
admin-btn-requests = 📨 Requests ({ $count })
admin-btn-status = 📊 Status
admin-btn-events = 📜 Events
admin-btn-broadcast = 📣 Broadcast
admin-btn-backups = 💾 Backups
admin-btn-apikeys = 🔐 API keys
admin-btn-admins = 👥 Admins
admin-btn-settings = ⚙️ Settings
admin-btn-nodes = 🌍 Nodes

## Admin: keys
admin-keys-title = 🔑 <b>Keys</b>: { $total }
admin-keys-filter = Status: { $status }
admin-keys-search = Search: <code>{ $query }</code>
admin-keys-none = No keys found.
admin-btn-search = 🔍 Search
admin-btn-clear-search = ✖ Clear search
admin-key-status-active = active
admin-key-status-disabled = disabled
admin-key-status-limited = traffic used up
admin-key-status-expired = expired
admin-key-status-on_hold = waiting for first use
admin-reset-no_reset = never
admin-reset-day = every day
admin-reset-week = every week
admin-reset-month = every month
admin-reset-year = every year
admin-reset-calendar_month = on the 1st of each month
admin-card-title = 🔑 <b>{ $name }</b> · { $status }
admin-card-owner = Owner: { $owner }
admin-card-no-owner = Owner: none
admin-card-traffic = Traffic: { $used } of { $limit }{ $percent } (↑ { $up } · ↓ { $down })
admin-card-usage = Today { $today } · this month { $month } · all time { $lifetime }
admin-card-expires = Expires { $date } (in { $days } { $days ->
        [one] day
       *[other] days
    })
admin-card-expired = Expired { $date }
admin-card-no-expiry = Never expires
admin-card-on-hold = Starts at first connection, then runs { $days } d
admin-card-reset = Traffic resets: { $strategy } · last reset { $last }
admin-card-online = Last online: { $date } · first connection { $first }
admin-card-uuid = UUID: <code>{ $uuid }</code>
admin-card-never-online = Not connected yet
admin-card-created = Created { $date } by { $by }
admin-card-note = Note: { $note }
admin-card-subscription = Subscription: { $url }
admin-card-link =
    Link:
    <code>{ $link }</code>
admin-card-no-link = No link yet: the core has not reported its settings.
admin-btn-qr = 🖼 QR code
admin-btn-send-owner = 📤 Send to owner
admin-btn-extend = +{ $days } d
admin-btn-extend-custom = +… d
admin-btn-reset = 🔄 Reset traffic
admin-btn-limit = 📏 Set limit
admin-btn-kick = 🚫 Kick (new link)
admin-btn-disable = ⏸ Disable
admin-btn-enable = ▶️ Enable
admin-btn-delete = 🗑 Delete
admin-confirm-kick = Kick <b>{ $name }</b>? The key gets a new link and subscription URL; the old ones stop working at once.
admin-confirm-delete = Delete <b>{ $name }</b> for good? Its usage history goes with it.
admin-done-created = ✅ Key { $name } created.
admin-done-reset = Traffic of { $name } reset.
admin-done-kicked = { $name } kicked: it has a new link now.
admin-done-disabled = { $name } disabled.
admin-done-enabled = { $name } enabled.
admin-done-extended = { $name } extended.
admin-done-limit = Limit of { $name } set.
admin-done-deleted = { $name } deleted.
admin-done-sent = Sent to the owner.
admin-key-no-owner = This key has no owner.
admin-owner-blocked = The owner has blocked the bot; nothing was sent.
admin-owner-key =
    🔑 Your VPN key <b>{ $name }</b>

    <code>{ $link }</code>

    Subscription: { $url }
admin-usage-user = Usage: <code>/user NAME</code>
admin-usage-kick = Usage: <code>/kick NAME</code>
admin-usage-reset = Usage: <code>/reset NAME</code>
admin-usage-disable = Usage: <code>/disable NAME</code>
admin-usage-enable = Usage: <code>/enable NAME</code>
admin-usage-delete = Usage: <code>/delete NAME</code>
admin-usage-extend = Usage: <code>/extend NAME DAYS</code>
admin-usage-limit = Usage: <code>/limit NAME GB</code> (0 = unlimited)
admin-usage-create = Usage: <code>/create NAME [GB] [DAYS]</code>, 0 = unlimited / never. Plain <code>/create</code> asks step by step.

## Admin: key dialogs
admin-ask-key-name =
    ➕ <b>New key</b> (1/5)
    Name of the key: 1–32 letters, digits and _ . - @
admin-ask-key-gb = (2/5) Traffic limit of <b>{ $name }</b> in GB (0 = unlimited):
admin-ask-key-days = (3/5) Valid for how many days? (0 = never expires)
admin-ask-key-owner = (4/5) Owner: forward any message from them, or send their Telegram id. Skip if the key has no owner.
admin-create-summary =
    (5/5) Create this key?
    Name: <b>{ $name }</b>
    Traffic: { $traffic }
    Days: { $days }
    Owner: { $owner }
admin-bad-key-name = <code>{ $name }</code> is not a valid name: use 1–32 letters, digits and _ . - @
admin-key-name-taken = A key named <code>{ $name }</code> already exists. Pick another name.
admin-bad-gb = Send a number of GB, 0 or more (for example 50 or 0.5).
admin-bad-days = Send a number of days, 0 or more.
admin-bad-owner = Forward a message from the person (their privacy settings must allow it) or send their numeric Telegram id.
admin-ask-extend = Extend <b>{ $name }</b> by how many days?
admin-bad-extend = Send a number of days from 1 to 3650.
admin-ask-limit = New traffic limit of <b>{ $name }</b> in GB (0 = unlimited):
admin-ask-search = 🔍 Send a key name (or part of it), a Telegram id or an @username.
admin-bad-search = Send some text, up to 64 characters.

## Admin: status
admin-status-title = 📊 <b>Server status</b>
admin-status-core = Core: { $flavor } { $version } · { $state } · up { $uptime } · restarts: { $restarts } · memory { $memory } · users: { $users }
admin-status-running = ✅ running
admin-status-stopped = ❌ stopped
admin-status-last-error = Last error: <code>{ $error }</code>
admin-status-core-error = Core: could not ask it (<code>{ $error }</code>)
admin-status-core-missing = Core: not available ({ $reason })
admin-status-host = Host: { $cpus } CPU · load { $load } · RAM { $ramUsed } of { $ramTotal } · disk free { $diskFree } of { $diskTotal }
admin-status-keys = Keys: { $counts } · online now: { $online }
admin-status-traffic = Traffic: today { $today } · this month { $month }
admin-status-top = Top keys this month:
admin-status-nodes = Nodes:
admin-btn-sync = 🔁 Sync
admin-btn-check = 🩺 Check drift
admin-btn-restart = ♻️ Restart core
admin-confirm-restart = Restart the VPN core? Every connection drops for a few seconds.
admin-done-restarted = Core restarted.
admin-sync-title = 🔁 <b>Core synced.</b> What differed:
admin-check-title = 🩺 <b>Database vs core</b>
admin-drift-none = ✅ The core holds exactly the keys it should.
admin-drift-missing = Missing in the core: { $names }
admin-drift-extra = In the core but not wanted: { $names }
admin-drift-changed = Changed: { $names }
admin-drift-reality = REALITY: SNI <code>{ $sni }</code>, target <code>{ $target }</code>
admin-drift-target-ok = ✅ The REALITY target answers as it should.
admin-drift-target-bad = ⚠️ The REALITY target does not work: { $reason }

## Admin nodes
admin-nodes-title = 🌍 <b>Nodes</b>: { $total }
admin-node-line = { $status } · <b>{ $display }</b> (<code>{ $name }</code>) · users: { $users }
admin-node-status-up = { $icon } up since { $since }
admin-node-status-down = { $icon } down since { $since }
admin-node-status-disabled = { $icon } disabled
admin-node-status-unknown = { $icon } unknown
admin-node-title = 🌍 <b>{ $display }</b> (<code>{ $name }</code>)
admin-node-core = Core: { $version } · users in core: { $users } · up { $uptime }
admin-node-traffic = Traffic: today { $today } · this month { $month }
admin-node-load = Load: memory { $memory } · CPU { $cpu } · RTT { $rtt }
admin-node-last-error = Last error: <code>{ $error }</code>
admin-node-address = Address: <code>{ $address }</code>
admin-node-transport-ssh = Reached over SSH: <code>{ $target }</code>
admin-node-transport-direct = Reached directly (users and traffic only): <code>{ $target }</code>
admin-node-transport-local = This server's own core
admin-btn-add-node = ➕ Add node
admin-btn-node-check = 🩺 Check
admin-btn-node-sync = 🔁 Sync
admin-btn-node-restart = ♻️ Restart
admin-btn-node-disable = ⏸ Disable
admin-btn-node-enable = ▶️ Enable
admin-btn-node-remove = 🗑 Remove
admin-node-action-check = Check
admin-node-action-sync = Sync
admin-node-action-restart = Restart
admin-node-result-ok = ✅ { $action }: done · users added { $added }, removed { $removed }
admin-node-result-failed = ⚠️ { $action }: the node did not answer: <code>{ $error }</code>
admin-node-confirm-restart = Restart the core of <b>{ $display }</b> (<code>{ $name }</code>)? Every connection through it drops for a few seconds.
admin-node-confirm-remove = Remove node <b>{ $display }</b> (<code>{ $name }</code>)? Keys stay; the node's users are removed from it.
admin-node-done-disabled = Node disabled: its users are being removed from it.
admin-node-done-enabled = Node enabled: it gets every key.
admin-node-done-removed = Node { $name } removed.
admin-ask-node-name =
    🌍 <b>New node</b>
    Name? 1–32 letters, digits, _ or - (e.g. <code>de-1</code>); it cannot be changed later.
admin-bad-node-name = A node name is 1–32 letters, digits, _ or -, starting with a letter or digit.
admin-node-name-taken = A node with this name already exists. Choose another name.
admin-ask-node-display = Name shown to users (e.g. 🇩🇪 Frankfurt)? Skip: the node's name.
admin-bad-node-display = Send a name of 1–64 characters.
admin-ask-node-target = How does xkeeper reach it? <code>USER@HOST[:PORT]</code> for SSH, or <code>HOST:PORT</code> of its Xray API on a private network.
admin-bad-node-target = Send <code>USER@HOST[:PORT]</code> (SSH) or <code>HOST:PORT</code> (direct).
admin-ask-node-remote-dir = Directory for xkeeper's files on the node (config, pid, uploaded Xray)? Skip: <code>/usr/local/etc/xkeeper</code>.
admin-bad-node-remote-dir = Send an absolute path (starting with <code>/</code>), up to 500 characters.
admin-node-host-key =
    The node's SSH host key: <code>{ $fingerprint }</code>
    Check it on the node (<code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>): adding pins it.
admin-node-no-ssh = This bot cannot reach nodes over SSH here: add the node with the CLI.
admin-node-host-key-failed = Could not read the node's host key: <code>{ $error }</code>
admin-node-add-summary =
    🌍 <b>New node</b>
    Name: <code>{ $name }</code>
    Shown as: { $display }
    Reached: <code>{ $target }</code> ({ $transport })
admin-node-remote-dir = Directory on the node: <code>{ $dir }</code>
admin-node-adding = ⏳ Adding node <code>{ $name }</code>…
admin-node-added = ✅ Node <code>{ $name }</code> added.
admin-node-step-host-key = Host key
admin-node-step-key = xkeeper's key
admin-node-step-login = SSH login
admin-node-step-check = Node check
admin-node-step-upload-core = Xray upload
admin-node-step-config = Config upload
admin-node-step-validate = Config check on the node
admin-node-step-start = Core start
admin-node-step-api = Core API
admin-node-step-users = Keys
admin-node-step-ready = Ready

## Admin: events
admin-events-title = 📜 <b>Events</b>: { $total }
admin-events-filter = Severity: { $severity } · type: { $type }
admin-events-none = No events.
admin-btn-all-types = All types

## Admin: broadcast
admin-ask-broadcast =
    📣 <b>Broadcast</b>
    Send the message to broadcast: a text, or a photo with a caption. Formatting is kept.
admin-bad-broadcast = Send a text or a photo.
admin-ask-audience = Who gets it?
admin-audience-all = Everyone ({ $count })
admin-audience-active = With an active key ({ $count })
admin-audience-expired = Whose key expired ({ $count })
admin-broadcast-preview = 👇 This is how it will look:
admin-broadcast-confirm = Send to: { $audience }?
admin-broadcast-progress =
    📣 Sending… { $done } of { $total }
    Sent: { $sent } · blocked the bot: { $blocked } · failed: { $failed }
admin-broadcast-done =
    ✅ <b>Broadcast finished</b>: { $done } of { $total }
    Sent: { $sent } · blocked the bot: { $blocked } · failed: { $failed }
admin-broadcast-cancelled =
    ⏹ <b>Broadcast stopped</b> after { $done } of { $total }
    Sent: { $sent } · blocked the bot: { $blocked } · failed: { $failed }
admin-btn-stop-broadcast = ⏹ Stop
admin-broadcast-stopping = Stopping…
admin-broadcast-not-running = This broadcast is not running.

## Admin: backups
admin-backups-title = 💾 <b>Backups</b> on the server, newest first:
admin-backups-none = No archives yet.
admin-backups-hint = To restore, send an archive to this chat as a file with the caption <code>/restore</code>.
admin-btn-backup-now = 💾 Back up now
admin-backup-running = 💾 Making a backup…
admin-backup-caption = 💾 Backup of { $date }, { $size }
admin-backup-counts = Keys: { $keys } · people: { $users } · API keys: { $apiKeys } · events: { $events }
admin-backup-too-large = The backup is { $size }, more than the { $limit } a bot may upload. It is kept on the server: <code>{ $file }</code>
admin-restore-usage = Send a backup archive as a file with the caption <code>/restore</code>.
admin-restore-too-large = The file is over { $limit }, more than a bot can download. Restore it on the server instead: <code>xkeeper restore FILE --yes</code>
admin-restore-checking = 🔎 Downloading and checking the archive…
admin-restore-invalid =
    ❌ This file cannot be restored: <code>{ $reason }</code>
    Nothing was changed.
admin-restore-failed = ❌ The restore did not go through; the server log has the details.
admin-restore-preview =
    ♻️ <b>Restore this backup?</b>
    Made { $date } by xkeeper { $version }.
admin-restore-newest-event = Newest event: { $type }, { $date }
admin-restore-warning = ⚠️ Everything in the database now is replaced (a copy of it is kept first).
admin-btn-restore = ♻️ Restore
admin-restore-cancelled = Restore cancelled; nothing was changed.
admin-restore-expired = This upload is gone. Send the archive again with the caption /restore.
admin-restore-running = ♻️ Restoring…
admin-restore-syncing = 🔁 Restored. Bringing the core in line…
admin-restore-done =
    ✅ <b>Restored</b> the backup of { $date }.
    The previous data is kept as <code>{ $previous }</code>.
admin-restore-not-synced = ⚠️ The core could not be re-synced now; it catches up once it is available.
admin-restore-keeps = 🛡 The admins and the event log stay as they are now.
admin-restore-archive-admins = The archive names other admins: { $admins }. They become admins only with the button below.
admin-btn-restore-with-admins = ♻️ Restore with the archive's admins
admin-restore-admins-kept = Admins (kept): { $admins }
admin-restore-admins-taken = Admins (from the archive): { $admins }

## Admin: API keys
admin-apikeys-title = 🔐 <b>API keys</b>: { $total }
admin-apikeys-none = No API keys yet.
admin-apikey-line =
    #{ $id } <b>{ $name }</b> · <code>{ $prefix }…</code> · { $status }
    { $scopes } · { $terms } · last used: { $used }
admin-apikey-terms = { $minute }/min, { $hour }/h, expires: { $expires }
admin-apikey-status-active = active
admin-apikey-status-disabled = switched off
admin-apikey-status-revoked = revoked
admin-apikey-status-expired = expired
admin-btn-revoke = ⛔ Revoke #{ $id } { $name }
admin-btn-create-apikey = ➕ New API key
admin-confirm-revoke = Revoke API key #{ $id } <b>{ $name }</b>? Apps using it get 401 from now on.
admin-done-revoked = API key revoked.
admin-ask-apikey-name =
    🔐 <b>New API key</b>
    Name it after what will use it (for example "billing"):
admin-bad-apikey-name = Send a name of 1–64 characters.
admin-ask-scopes = What may it do? Tap the scopes, then Done.
admin-bad-scopes = Pick at least one scope.
admin-ask-rate-minute = At most how many requests a minute? (Skip: { $default })
admin-ask-rate-hour = At most how many requests an hour? (Skip: { $default })
admin-bad-rate = Send a whole number from { $min } to { $max }.
admin-ask-apikey-days = Valid for how many days? (0 = no expiry)
admin-apikey-summary =
    Create this API key?
    Name: <b>{ $name }</b>
    Scopes: { $scopes }
    Limits: { $minute }/min, { $hour }/h
    Days: { $days }
admin-apikey-created =
    🔐 API key #{ $id } <b>{ $name }</b> created.

    <code>{ $key }</code>

    Copy it now: it is shown this once and never again.
    Scopes: { $scopes } · { $terms }
admin-btn-delete-message = 🗑 Saved it, delete this message

## Admin: admins
admin-admins-title = 👥 <b>Admins</b>
admin-admins-owner = 👑 { $person }, owner
admin-admins-admin = 🛡 { $person }, admin
admin-admins-hint = Owners are set with ADMIN_IDS. Admins can do everything here except managing admins.
admin-btn-add-admin = ➕ Add admin
admin-btn-remove = ✖ Remove { $person }
admin-confirm-remove-admin = Take admin rights from { $person }?
admin-done-admin-removed = Admin removed.
admin-done-admin-added = ✅ Admin added.
admin-ask-admin-id = Forward any message from the new admin, or send their Telegram id.

## Admin: settings
admin-settings-title = ⚙️ <b>Settings</b>
admin-setting-line = { $label }: <b>{ $value }</b>
admin-setting-keyRequestPolicy = Key requests
admin-setting-maxKeysPerUser = Keys per person
admin-setting-selfServiceWindowDays = Days they count over
admin-setting-defaultKeyDays = Days of a new key
admin-setting-defaultKeyTrafficGb = GB of a new key
admin-setting-quotaNoticePercents = Traffic notices, %
admin-setting-expiryNoticeDays = Expiry notices, days before
admin-setting-supportContact = Support contact
admin-setting-subscriptionAnnounce = Subscription announcement
admin-setting-hideDownNodeMinutes = Hide a down server after, minutes
admin-setting-orderLifetimeMinutes = Order lifetime, minutes
admin-setting-realitySni = REALITY SNI
admin-policy-open = open
admin-policy-approval = by approval
admin-policy-closed = closed
admin-setting-backupsForAdmins = Backups (/backup)
admin-backups-for-owners = owners only
admin-backups-for-admins = owners and admins
admin-btn-backups-allow-admins = 💾 Let admins take backups
admin-btn-backups-owners-only = 💾 Backups for owners only
admin-ask-maxKeysPerUser = How many keys may one person get through the bot? Now: { $current }. (0 = none)
admin-ask-selfServiceWindowDays = Over how many days are a person's self-service keys counted, deleted ones too (at most "Keys per person" within them)? Now: { $current }.
admin-ask-defaultKeyDays = How many days does a self-service key run? Now: { $current }. (0 = never expires)
admin-ask-defaultKeyTrafficGb = How many GB may a self-service key use? Now: { $current }. (0 = unlimited)
admin-ask-quotaNoticePercents = At what % of their limit are owners told? Now: { $current }. Send up to 5 numbers, for example <code>80, 100</code>
admin-ask-expiryNoticeDays = How many days before expiry are owners told? Now: { $current }. Send up to 5 numbers, for example <code>3, 1</code>
admin-ask-supportContact = Support contact shown to users (for example @support or a link). Now: { $current }. Send <code>-</code> to clear it.
admin-ask-subscriptionAnnounce = Announcement VPN apps show from every subscription (up to 200 characters). Now: { $current }. Send <code>-</code> to clear it.
admin-ask-hideDownNodeMinutes = After how many minutes down is a VPN server left out of subscriptions (apps then stop offering it)? Now: { $current }. (0 = as soon as it is down; up to 10080)
admin-ask-orderLifetimeMinutes = How many minutes may an order (and the promo code it holds) wait for payment before it expires? Now: { $current }. (1–10080)
admin-ask-realitySni = New REALITY server name: a site with TLS 1.3, for example <code>www.microsoft.com</code>. Now: { $current }.
admin-bad-setting = That value is not accepted; see the example above.
admin-confirm-sni = Switch the REALITY SNI to <code>{ $sni }</code>? The core restarts: every connection drops, and people need their new links.

## Admin: requests
admin-requests-title = 📨 <b>Key requests</b> waiting: { $total }
admin-requests-none = Nothing is waiting.
admin-btn-approve = ✅ #{ $id }
admin-btn-reject = ❌ #{ $id }
admin-done-approved = Approved: key { $name } created.
admin-done-rejected = Request declined.

## Admin: alerts
admin-alert-core-exited = <b>The VPN core stopped.</b> { $details }
admin-alert-core-restarted = The VPN core was restarted. { $details }
admin-alert-core-config-refused = <b>The VPN core refused its config.</b> { $details }
admin-alert-core-not-available = <b>No usable VPN core.</b> { $details }
admin-alert-core-restart-detected = The VPN core restarted on its own. { $details }
admin-alert-core-user-rejected = <b>The VPN core refused a key.</b> { $details }
admin-alert-core-drift-fixed = The VPN core had drifted from the database and was fixed. { $details }
admin-alert-webhook-dead-letter = <b>An outgoing webhook gave up</b> after all retries: { $url } (<code>{ $error }</code>)
admin-alert-payment-received = 💰 Payment received: { $amount } for <code>{ $key }</code> ({ $provider })
admin-alert-payment-mismatch = <b>Payment refused</b> for order #{ $order } ({ $provider }): paid { $paid }, the order costs { $expected } ({ $reason }). Nothing was granted; refund or settle it by hand.
admin-alert-backup-failed = <b>The scheduled backup failed:</b> <code>{ $error }</code>
admin-alert-node-down = <b>VPN server { $node } is down:</b> <code>{ $error }</code>
admin-alert-node-up = VPN server { $node } is up again.
admin-alert-node-host-key-changed = <b>VPN server { $node } shows another SSH host key</b>: pinned <code>{ $pinned }</code>, now <code>{ $seen }</code>. xkeeper refuses it and the server is down. If the server was reinstalled, pin the new key with <code>xkeeper node set { $node } --host-key …</code>; otherwise someone may be impersonating it.
admin-alert-job-failed = <b>Job { $job } failed:</b> <code>{ $error }</code>
admin-alert-telegram-restored = <b>The bot could not reach Telegram</b> for { $seconds } s (<code>{ $reason }</code>); the VPN, its limits and the HTTP API kept working. Messages sent meanwhile are being answered now.
admin-alert-error = <b>Bot error:</b> <code>{ $error }</code> (details in the logs)
admin-alert-generic = <b>{ $type }</b> { $details }

## Payments
buy-title = 💳 <b>Buy or renew</b>
buy-renews = Days are added to what is left on your key <b>{ $key }</b>.
buy-makes-key = Once paid, you get a new key.
buy-plan-line = • <b>{ $name }</b>: { $terms } — { $price }
buy-pick-plan = Pick a plan:
buy-none = 💳 Nothing is on sale right now. Please ask the administrators to renew or extend your key.
buy-terms = { $days ->
        [one] { $days } day
       *[other] { $days } days
    }, { $traffic }
buy-traffic-gb = { $gb } GB
buy-traffic-unlimited = unlimited traffic
buy-free = free
buy-btn-trial = 🎁 { $name }
buy-plan =
    <b>{ $name }</b>: { $terms }
    Price: { $price }
buy-promo-line = 🎟 Promo code <b>{ $code }</b>: { $effect }
buy-promo-percent = −{ $value }%
buy-promo-fixed = −{ $value } ⭐
buy-promo-days = +{ $value ->
        [one] { $value } day
       *[other] { $value } days
    }
buy-choose-method = How would you like to pay?
buy-no-method = This plan cannot be paid for right now. Please ask the administrators.
buy-btn-stars = ⭐ Telegram Stars
buy-btn-cryptopay = 💎 Crypto Pay
buy-btn-yookassa = 💳 YooKassa
buy-btn-stripe = 💳 Card (Stripe)
buy-btn-promo = 🎟 I have a promo code
buy-btn-plans = « Plans
buy-ask-promo = 🎟 Send your promo code in a message.
buy-promo-invalid = 🎟 This promo code is not valid. Check the spelling and try again.
buy-promo-locked = 🎟 Too many wrong promo codes. Please try again in a while.
buy-invoice-description = VPN access: { $terms }.
buy-link = 🧾 Order #{ $order }: <b>{ $name }</b> for { $price }. Pay with the button below; your key is updated as soon as the payment is confirmed.
buy-btn-pay = 💳 Pay { $price }
buy-provider-failed = 😔 The payment service is not answering right now. Please try again later or pay with Telegram Stars.
buy-plan-unavailable = This plan is no longer sold. Please pick another one: /buy
buy-trial-used = 🎁 You have had your trial already. Please pick a paid plan.
buy-trial-started = 🎁 Your trial has started! The details come in the next message.
pay-refused-not-found = This order no longer exists. Please start again with /buy.
pay-refused-expired = This order has expired. Please start again with /buy.
pay-refused-paid = This order has been paid already.
pay-refused-amount = The price has changed. Please start again with /buy.
pay-refused-plan = This plan is no longer sold. Please pick another one with /buy.
pay-refused-not-yours = This invoice was made for someone else. Please use /buy.
pay-late-refunded = ⌛ This order had expired before the payment arrived, so your Stars were returned. Please start again with /buy.
notice-purchased = ✅ Payment received, thank you! Here is your new key.
notice-trial = 🎁 Your trial key is ready. Enjoy!
notice-refunded = ↩️ Your payment of { $amount } (order #{ $order }) was refunded. What it added to key <b>{ $key }</b> was taken back.

## Admin payments
admin-btn-payments = 💳 Plans & payments
admin-plans-title = 💳 <b>Plans</b>: { $total }
admin-plans-none = No plans yet: /buy tells people nothing is on sale.
admin-plan-line = #{ $id } <b>{ $name }</b> · { $days } d · { $traffic } · { $price } · { $state }
admin-plan-on = on sale
admin-plan-off = ⏸ not sold
admin-plan-trial = free trial, once per person
admin-btn-plan = #{ $id } { $name }
admin-btn-new-plan = ➕ New plan
admin-btn-promos = 🎟 Promo codes
admin-btn-orders = 🧾 Orders
admin-btn-plans = « Plans
admin-plan-card =
    💳 Plan #{ $id } <b>{ $name }</b> · { $state }
    Days: { $days } · traffic: { $traffic }
    Price: { $price }
admin-btn-plan-off = ⏸ Stop selling
admin-btn-plan-on = ▶️ Sell again
admin-btn-plan-price = 💰 Edit price
admin-ask-plan-name =
    💳 <b>New plan</b> (1/5)
    Its name, as buyers will see it (for example "Month"):
admin-bad-plan-name = Send a name of 1–32 characters.
admin-ask-plan-days = (2/5) How many days does it give?
admin-bad-plan-days = Send a whole number of days from 1 to 3650.
admin-ask-plan-gb = (3/5) How many GB of traffic does it add? (0 = unlimited)
admin-bad-plan-gb = Send a whole number of GB, 0 or more.
admin-ask-plan-price = (4/5) Price in Telegram Stars, then other currencies if you sell through Crypto Pay, YooKassa or Stripe: for example <code>100</code> or <code>100, RUB 199.00, USD 2.99</code>. 0 makes the plan a free trial, given once per person.
admin-ask-plan-new-price = New price of <b>{ $name }</b> (now: { $price }). Stars first, then other currencies: for example <code>100, RUB 199.00</code>. 0 makes it a free trial.
admin-bad-plan-price = Send a whole number of Stars from 0 to 10000, then optionally prices like <code>RUB 199.00</code>, separated by commas.
admin-plan-summary =
    (5/5) Create this plan?
    Name: <b>{ $name }</b>
    Days: { $days }
    Traffic: { $traffic }
    Price: { $price }
admin-done-plan-created = ✅ Plan created.
admin-done-plan-price = ✅ Price changed.
admin-promos-title = 🎟 <b>Promo codes</b>: { $total }
admin-promos-none = No promo codes yet.
admin-promo-line = <code>{ $code }</code> · { $effect } · used { $uses } of { $max } · expires: { $expires }
admin-promo-percent = −{ $value }%
admin-promo-fixed = −{ $value } ⭐
admin-promo-days = +{ $value } d
admin-btn-new-promo = ➕ New promo code
admin-ask-promo-code =
    🎟 <b>New promo code</b> (1/6)
    The code people type: 3–32 letters, digits, _ or -
admin-bad-promo-code = A code is 3–32 letters, digits, _ or -
admin-ask-promo-kind = (2/6) What does it give?
admin-promo-kind-percent = % off
admin-promo-kind-fixed = Stars off
admin-promo-kind-days = Extra days
admin-ask-promo-percent = (3/6) How many percent off? (1–100)
admin-ask-promo-fixed = (3/6) How many Stars off? (Card and crypto payments get the same number off in cents or kopecks.)
admin-ask-promo-days = (3/6) How many extra days?
admin-bad-promo-number = Send a whole number from { $min } to { $max }.
admin-ask-promo-uses = (4/6) How many times may it be used? (Skip: no limit)
admin-ask-promo-valid = (5/6) Valid for how many days? (Skip: no expiry)
admin-promo-summary =
    (6/6) Create this promo code?
    Code: <code>{ $code }</code>
    Gives: { $effect }
    Uses: { $max }
    Days: { $days }
admin-done-promo-created = ✅ Promo code created.
admin-orders-title = 🧾 <b>Latest orders</b>
admin-orders-none = No orders yet.
admin-order-line = #{ $id } · { $date } · { $person } · { $plan } · { $amount } · { $provider } · { $state }
admin-order-external-ref = {" "}· their order <code>{ $ref }</code>
admin-order-created = not paid
admin-order-paid = paid
admin-order-applied = ✅ paid
admin-order-failed = failed
admin-order-refunded = ↩️ refunded
admin-order-expired = ⌛ expired
admin-btn-refund = ↩️ Refund #{ $id }
admin-confirm-refund = Refund order #{ $id }: { $amount } to { $person }? The Stars go back to them, and what the order added to key <b>{ $key }</b> is taken back.
admin-refund-not-refundable = Only paid Telegram Stars orders can be refunded here.
admin-refund-failed = Telegram refused the refund: { $error }
admin-done-refunded = Refunded.

## Commands
command-start = Main menu
command-keys = My keys
command-new = Ask for a new key
command-traffic = My traffic
command-buy = Buy or renew
command-lang = Language
command-help = How to connect
command-admin = Admin menu
command-users = Find keys
command-user = Show a key
command-create = Create a key
command-status = Server status
command-events = Event log
command-broadcast = Message everyone
command-backup = Back up now
command-apikeys = API keys
