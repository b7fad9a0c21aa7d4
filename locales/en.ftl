## Common
error-generic = Something went wrong on our side. Please try again in a minute.
refused-not-admin = This command is for administrators only.
banned = Access to this bot has been closed for you.

## Start
start-greeting =
    Hi, { $name }! 👋
    I hand out and look after your VPN keys.
    Use /keys to see your keys, /new to ask for one, /help for set-up guides.
