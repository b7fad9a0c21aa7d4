## Common
error-generic = Что-то пошло не так на нашей стороне. Попробуйте ещё раз через минуту.
refused-not-admin = Эта команда только для администраторов.
banned = Доступ к этому боту для вас закрыт.
too-fast = ⏳ Не так быстро, пожалуйста: попробуйте снова через { $seconds } с.
private-chat-only = Я отвечаю только в личном чате: откройте чат со мной и отправьте команду там.
private-chat-open = 💬 Открыть личный чат

## Start
start-greeting =
    Привет, { $name }! 👋
    Я выдаю ваши VPN-ключи и слежу за ними.
    /keys — ваши ключи, /new — попросить ключ, /help — инструкции по настройке.

## Main menu
menu-keys = 🔑 Мои ключи
menu-new = ➕ Новый ключ
menu-traffic = 📊 Трафик
menu-buy = 💳 Купить / продлить
menu-help = ❓ Помощь
menu-language = 🌐 Язык
fallback-unknown-command = Я не знаю команду { $command }.
fallback-hint = Выберите кнопку ниже или отправьте /keys, /new, /traffic, /help.

## Keys
keys-none = У вас пока нет ключей. Нажмите «➕ Новый ключ» в меню или отправьте /new.
keys-list = У вас { $count } { $count ->
        [one] ключ
        [few] ключа
       *[many] ключей
    }. Выберите:
key-card =
    🔑 <b>{ $name }</b> · { $status }
    { $expiry }
    { $traffic }
key-card-no-link = Ссылка появится здесь, как только заработает VPN-сервер. Попробуйте через минуту.
key-status-active = 🟢 работает
key-status-disabled = ⛔ отключён
key-status-limited = 🚫 трафик исчерпан
key-status-expired = ⌛ срок истёк
key-status-on-hold = ⏸ ждёт первого подключения
key-expiry-never = 📅 Бессрочный
key-expiry-until = 📅 Действует до { $date } (осталось { $days ->
        [one] { $days } день
        [few] { $days } дня
       *[many] { $days } дней
    })
key-expiry-past = 📅 Срок истёк { $date }
key-expiry-on-hold = 📅 Срок { $days ->
        [one] { $days } день
        [few] { $days } дня
       *[many] { $days } дней
    } с первого подключения
key-traffic-unlimited = 📶 Использовано { $used } · без лимита трафика
key-traffic-limited =
    📶 { $used } из { $limit }
    { $bar } { $percent }%
key-btn-page = 🌐 Страница подписки
key-btn-qr = 📷 QR подписки
key-btn-sub = 🔗 Ссылка подписки
key-btn-traffic = 📊 Трафик
key-btn-regen = 🔄 Новая ссылка
key-btn-delete = 🗑 Удалить
key-btn-regen-confirm = ✅ Да, заменить ссылку
key-btn-delete-confirm = 🗑 Да, удалить ключ
key-btn-cancel = ↩️ Отмена
key-regen-ask = Текущая ссылка перестанет работать на всех устройствах. Заменить её? Подтвердите кнопкой под ключом.
key-regen-done = Готово: у ключа новая ссылка. Импортируйте её в приложение заново.
key-delete-ask = Ключ будет удалён навсегда. Удалить? Подтвердите кнопкой под ключом.
key-deleted = 🗑 Ключ <b>{ $name }</b> удалён.
key-not-available = Этот ключ недоступен.
key-sub-link =
    🔗 Ссылка подписки ключа <b>{ $name }</b>:
    <code>{ $url }</code>

    Добавьте её в VPN-приложение как подписку: приложение само будет обновлять ключ. Как это сделать: /help
key-sub-qr =
    📷 Отсканируйте этот код в VPN-приложении, чтобы добавить подписку ключа <b>{ $name }</b>:
    <code>{ $url }</code>

## New key
new-key-created = 🎉 Ваш ключ готов!
new-key-requested = 📨 Запрос отправлен администраторам. Я напишу вам, как только они решат.
new-key-pending = ⏳ Ваш запрос уже ждёт решения администратора. Я напишу вам, когда он будет рассмотрен.
new-key-closed = 🙏 Извините, сейчас новые ключи здесь не выдаются.
new-key-limit = У вас уже { $max ->
        [one] { $max } ключ
        [few] { $max } ключа
       *[many] { $max } ключей
    }: это максимум для одного человека. Ваши ключи — в /keys.
new-key-recently = За последние { $days } дн. вы уже получили { $max ->
        [one] { $max } бесплатный ключ
        [few] { $max } бесплатных ключа
       *[many] { $max } бесплатных ключей
    } (удалённые тоже считаются): это максимум для одного человека. Снова попросить можно с { $date }; ваши ключи — в /keys.

## Key requests
request-admin =
    🆕 <b>Запрос ключа #{ $id }</b>
    От: { $who }
request-admin-approved = ✅ Одобрил(а) { $admin }: ключ <code>{ $key }</code>
request-admin-rejected = ❌ Отклонил(а) { $admin }
request-admin-cancelled = ↩️ Отозван: человек получил ключ другим путём.
request-btn-approve = ✅ Одобрить
request-btn-reject = ❌ Отклонить
request-done-approved = Одобрено: создан ключ { $key }.
request-done-rejected = Отклонено.
request-already-decided = По этому запросу уже принято решение.

## Traffic
traffic-caption =
    📊 <b>{ $name }</b> · { $status }
    Сегодня: { $today }
    В этом месяце: { $month }
    За всё время: { $lifetime }
    { $traffic }
    { $expiry }
traffic-chart-title = { $name }: последние 30 дней
traffic-download = загрузка
traffic-upload = отдача
traffic-chart-empty = Трафика пока нет
traffic-btn-refresh = 🔄 Обновить
traffic-updated = Обновлено
traffic-pick = Какой ключ?

## Help
help-main =
    <b>Как подключиться</b>
    1. Установите VPN-приложение: выберите своё устройство ниже.
    2. Откройте /keys, нажмите «🔗 Ссылка подписки» и скопируйте ссылку.
    3. В приложении добавьте подписку из буфера обмена (обычно «+» → «Импорт из буфера обмена»). Приложение само будет обновлять ключ.
    Можно и просто отсканировать QR-код ключа в приложении.
help-btn-android = 🤖 Android
help-btn-ios = 🍏 iPhone / iPad
help-btn-windows = 🪟 Windows
help-btn-macos = 💻 macOS
help-btn-back = ⬅️ Назад
help-android =
    <b>Android</b>

    <b>v2rayNG</b>: <a href="https://play.google.com/store/apps/details?id=com.v2ray.ang">Google Play</a> · <a href="https://github.com/2dust/v2rayNG/releases">GitHub</a>
    Скопируйте ссылку подписки. В v2rayNG откройте ☰ → «Группы подписок» → «+», вставьте ссылку в поле «URL» и сохраните. На главном экране нажмите ⋮ → «Обновить подписку», выберите сервер и нажмите ▶.

    <b>Hiddify</b>: <a href="https://play.google.com/store/apps/details?id=app.hiddify.com">Google Play</a> · <a href="https://github.com/hiddify/hiddify-app/releases">GitHub</a>
    Скопируйте ссылку подписки, откройте Hiddify, нажмите «+ Новый профиль» → «Добавить из буфера обмена», затем большую кнопку подключения.
help-ios =
    <b>iPhone и iPad</b>

    <b>Streisand</b> (бесплатно): <a href="https://apps.apple.com/app/streisand/id6450534064">App Store</a>
    Скопируйте ссылку подписки, откройте Streisand, нажмите «+» → «Добавить из буфера» и включите подключение.

    <b>FoXray</b> (бесплатно): <a href="https://apps.apple.com/app/foxray/id6448898396">App Store</a>
    Скопируйте ссылку подписки, откройте FoXray, нажмите кнопку буфера обмена, чтобы добавить её, затем ▶.

    <b>Shadowrocket</b> (платно): <a href="https://apps.apple.com/app/shadowrocket/id932747118">App Store</a>
    Скопируйте ссылку подписки и откройте Shadowrocket: он сам предложит её добавить. Если нет, нажмите «+», выберите тип «Subscribe», вставьте ссылку в поле URL и сохраните.
help-windows =
    <b>Windows</b>

    <b>v2rayN</b>: <a href="https://github.com/2dust/v2rayN/releases">GitHub</a> (скачайте архив «windows-64-desktop»)
    Скопируйте ссылку подписки. В v2rayN откройте «Группа подписки» → «Настройки группы подписки» → «Добавить», вставьте ссылку в поле «Url» и подтвердите. Затем «Группа подписки» → «Обновить подписки», выберите сервер, нажмите Enter и в «Системный прокси» выберите «Установить системный прокси».

    <b>Hiddify</b>: <a href="https://github.com/hiddify/hiddify-app/releases">GitHub</a>
    Скопируйте ссылку подписки, откройте Hiddify, нажмите «+ Новый профиль» → «Добавить из буфера обмена», затем кнопку подключения.
help-macos =
    <b>macOS</b>

    <b>Hiddify</b>: <a href="https://github.com/hiddify/hiddify-app/releases">GitHub</a>
    Скопируйте ссылку подписки, откройте Hiddify, нажмите «+ Новый профиль» → «Добавить из буфера обмена», затем кнопку подключения.

    <b>FoXray</b> и <b>Streisand</b> (Mac на Apple silicon): <a href="https://apps.apple.com/app/foxray/id6448898396">FoXray</a> · <a href="https://apps.apple.com/app/streisand/id6450534064">Streisand</a>
    Работают как на iPhone: скопируйте ссылку подписки и добавьте её из буфера обмена.

## Language
language-choose = Выберите язык:
language-set = Готово! Теперь я говорю с вами по-русски.
language-btn-en = 🇬🇧 English
language-btn-ru = 🇷🇺 Русский

## Support
support-contact = 💬 Поддержка: { $contact }

## Invites
invite-accepted = 🎟 Приглашение принято: этот ключ ваш!
invite-refused-not-found = 🎟 Эта ссылка-приглашение недействительна. Уточните её у того, кто её прислал.
invite-refused-inactive = 🎟 Это приглашение отключено.
invite-refused-expired = 🎟 Срок действия приглашения истёк.
invite-refused-used-up = 🎟 Это приглашение уже использовано.
invite-refused-already-redeemed = 🎟 Вы уже воспользовались этим приглашением. Ваш ключ — в /keys.
invite-refused-limit = 🎟 У вас уже максимум ключей для одного человека, поэтому приглашение не может добавить ещё один. Ваши ключи — в /keys.

## Notifications
notice-quota = ⚠️ Ключ <b>{ $key }</b> израсходовал { $percent }% трафика.
notice-quota-full = 🚫 Ключ <b>{ $key }</b> израсходовал весь трафик и приостановлен. Продлить: /buy.
notice-expiring = ⏳ Срок ключа <b>{ $key }</b> истекает через { $days ->
        [one] { $days } день
        [few] { $days } дня
       *[many] { $days } дней
    } ({ $date }). Продлить: /buy.
notice-expired = ⌛ Срок ключа <b>{ $key }</b> истёк. Продлить: /buy.
notice-never-connected = 👋 Ключ <b>{ $key }</b> ещё ни разу не подключался. Нужна помощь с настройкой? Смотрите /help.
notice-kicked = 🔄 У ключа <b>{ $key }</b> новая ссылка и адрес подписки, старые больше не работают. Новые — в /keys.
notice-disabled = ⛔ Администратор отключил ключ <b>{ $key }</b>.
notice-renewed = ✅ Ключ <b>{ $key }</b> продлён.
notice-renewed-until = ✅ Ключ <b>{ $key }</b> продлён: действует до { $date }.
notice-approved = ✅ Ваш запрос одобрен. Вот ваш ключ!
notice-rejected = 😔 Ваш запрос на ключ отклонён.

## Admin: common
admin-refused-not-owner = Это могут только владельцы (ADMIN_IDS).
admin-button-expired = Эта кнопка больше не работает. Откройте /admin заново.
admin-cancelled = Отменено.
admin-press-button = Воспользуйтесь кнопками под сообщением.
admin-never = никогда
admin-none = нет
admin-unlimited = без лимита
admin-filter-all = Все
admin-page = Страница { $page } из { $pages }
admin-core-unavailable = ⚠️ VPN-ядро недоступно.
admin-btn-back = « Назад
admin-btn-skip = Пропустить »
admin-btn-cancel = ✖ Отмена
admin-btn-confirm = ✅ Да
admin-btn-menu = « Меню
admin-btn-refresh = 🔄 Обновить
admin-btn-create = ✅ Создать
admin-btn-done = ✅ Готово
admin-btn-send = 📣 Отправить
admin-err-key-not-found = Такого ключа нет.
admin-err-key-name-taken = Ключ с таким именем уже есть.
admin-err-invalid-key-name = Имя ключа — от 1 до 32 латинских букв, цифр и знаков _ . - @
admin-err-invalid-telegram-id = Это не id пользователя Telegram.
admin-err-validation-failed = Такое значение не подходит: <code>{ $detail }</code>
admin-err-last-owner = Владельцы задаются в ADMIN_IDS, здесь их убрать нельзя.
admin-err-api-key-not-found = Такого API-ключа нет.
admin-err-backup-invalid = Эту резервную копию нельзя использовать: <code>{ $detail }</code>
admin-err-not-found = Не найдено: возможно, уже удалено.
admin-err-request-decided = По этому запросу уже принято решение.
admin-err-not-admin = Это только для администраторов.
admin-err-node-name-taken = Узел с таким именем уже есть.
admin-err-core-unavailable = Ядро узла не ответило: <code>{ $detail }</code>
admin-err-other = Не получилось (<code>{ $code }</code>).

## Admin: menu
admin-menu-title = 🛠 <b>Администрирование</b>
admin-menu-summary = Ключей: { $keys } (активных: { $active }) · сейчас в сети: { $online }
admin-menu-requests = 📨 Ждут решения запросов: { $count }
admin-btn-keys = 🔑 Ключи
admin-btn-create-key = ➕ Создать ключ
admin-btn-requests = 📨 Запросы ({ $count })
admin-btn-status = 📊 Состояние
admin-btn-events = 📜 События
admin-btn-broadcast = 📣 Рассылка
admin-btn-backups = 💾 Резервные копии
admin-btn-apikeys = 🔐 API-ключи
admin-btn-admins = 👥 Администраторы
admin-btn-settings = ⚙️ Настройки
admin-btn-nodes = 🌍 Узлы

## Admin: keys
admin-keys-title = 🔑 <b>Ключи</b>: { $total }
admin-keys-filter = Статус: { $status }
admin-keys-search = Поиск: <code>{ $query }</code>
admin-keys-none = Ключей не найдено.
admin-btn-search = 🔍 Поиск
admin-btn-clear-search = ✖ Сбросить поиск
admin-key-status-active = активен
admin-key-status-disabled = отключён
admin-key-status-limited = трафик исчерпан
admin-key-status-expired = истёк
admin-key-status-on_hold = ждёт первого подключения
admin-reset-no_reset = никогда
admin-reset-day = каждый день
admin-reset-week = каждую неделю
admin-reset-month = каждый месяц
admin-reset-year = каждый год
admin-reset-calendar_month = 1-го числа каждого месяца
admin-card-title = 🔑 <b>{ $name }</b> · { $status }
admin-card-owner = Владелец: { $owner }
admin-card-no-owner = Владелец: нет
admin-card-traffic = Трафик: { $used } из { $limit }{ $percent } (↑ { $up } · ↓ { $down })
admin-card-usage = Сегодня { $today } · за месяц { $month } · за всё время { $lifetime }
admin-card-expires = Действует до { $date } (ещё { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    })
admin-card-expired = Истёк { $date }
admin-card-no-expiry = Бессрочный
admin-card-on-hold = Запустится при первом подключении и будет действовать { $days } дн.
admin-card-reset = Сброс трафика: { $strategy } · последний { $last }
admin-card-online = Последний раз в сети: { $date } · первое подключение { $first }
admin-card-uuid = UUID: <code>{ $uuid }</code>
admin-card-never-online = Ещё ни разу не подключался
admin-card-created = Создан { $date }, кем: { $by }
admin-card-note = Заметка: { $note }
admin-card-subscription = Подписка: { $url }
admin-card-link =
    Ссылка:
    <code>{ $link }</code>
admin-card-no-link = Ссылки пока нет: ядро ещё не сообщило свои настройки.
admin-btn-qr = 🖼 QR-код
admin-btn-send-owner = 📤 Отправить владельцу
admin-btn-extend = +{ $days } дн.
admin-btn-extend-custom = +… дн.
admin-btn-reset = 🔄 Сбросить трафик
admin-btn-limit = 📏 Задать лимит
admin-btn-kick = 🚫 Сменить ссылку
admin-btn-disable = ⏸ Отключить
admin-btn-enable = ▶️ Включить
admin-btn-delete = 🗑 Удалить
admin-confirm-kick = Сменить ссылку и адрес подписки ключа <b>{ $name }</b>? Старые сразу перестанут работать.
admin-confirm-delete = Удалить <b>{ $name }</b> насовсем? История трафика удалится вместе с ним.
admin-done-created = ✅ Ключ { $name } создан.
admin-done-reset = Трафик ключа { $name } сброшен.
admin-done-kicked = У ключа { $name } новая ссылка.
admin-done-disabled = Ключ { $name } отключён.
admin-done-enabled = Ключ { $name } включён.
admin-done-extended = Ключ { $name } продлён.
admin-done-limit = Лимит ключа { $name } изменён.
admin-done-deleted = Ключ { $name } удалён.
admin-done-sent = Отправлено владельцу.
admin-key-no-owner = У этого ключа нет владельца.
admin-owner-blocked = Владелец заблокировал бота, сообщение не доставлено.
admin-owner-key =
    🔑 Ваш VPN-ключ <b>{ $name }</b>

    <code>{ $link }</code>

    Подписка: { $url }
admin-usage-user = Формат: <code>/user ИМЯ</code>
admin-usage-kick = Формат: <code>/kick ИМЯ</code>
admin-usage-reset = Формат: <code>/reset ИМЯ</code>
admin-usage-disable = Формат: <code>/disable ИМЯ</code>
admin-usage-enable = Формат: <code>/enable ИМЯ</code>
admin-usage-delete = Формат: <code>/delete ИМЯ</code>
admin-usage-extend = Формат: <code>/extend ИМЯ ДНЕЙ</code>
admin-usage-limit = Формат: <code>/limit ИМЯ ГБ</code> (0 — без лимита)
admin-usage-create = Формат: <code>/create ИМЯ [ГБ] [ДНЕЙ]</code>, 0 — без лимита / бессрочно. Просто <code>/create</code> спросит всё по шагам.

## Admin: key dialogs
admin-ask-key-name =
    ➕ <b>Новый ключ</b> (1/5)
    Имя ключа: от 1 до 32 латинских букв, цифр и знаков _ . - @
admin-ask-key-gb = (2/5) Лимит трафика для <b>{ $name }</b> в ГБ (0 — без лимита):
admin-ask-key-days = (3/5) На сколько дней? (0 — бессрочно)
admin-ask-key-owner = (4/5) Владелец: перешлите любое его сообщение или пришлите его id в Telegram. Если владельца нет, нажмите «Пропустить».
admin-create-summary =
    (5/5) Создать такой ключ?
    Имя: <b>{ $name }</b>
    Трафик: { $traffic }
    Дней: { $days }
    Владелец: { $owner }
admin-bad-key-name = <code>{ $name }</code> не подходит: используйте от 1 до 32 латинских букв, цифр и знаков _ . - @
admin-key-name-taken = Ключ <code>{ $name }</code> уже есть. Придумайте другое имя.
admin-bad-gb = Пришлите число гигабайт, 0 или больше (например, 50 или 0,5).
admin-bad-days = Пришлите число дней, 0 или больше.
admin-bad-owner = Перешлите сообщение от этого человека (если его настройки приватности это позволяют) или пришлите его числовой id в Telegram.
admin-ask-extend = На сколько дней продлить <b>{ $name }</b>?
admin-bad-extend = Пришлите число дней от 1 до 3650.
admin-ask-limit = Новый лимит трафика для <b>{ $name }</b> в ГБ (0 — без лимита):
admin-ask-search = 🔍 Пришлите имя ключа (или его часть), id в Telegram или @username.
admin-bad-search = Пришлите текст длиной до 64 символов.

## Admin: status
admin-status-title = 📊 <b>Состояние сервера</b>
admin-status-core = Ядро: { $flavor } { $version } · { $state } · работает { $uptime } · перезапусков: { $restarts } · память { $memory } · пользователей: { $users }
admin-status-running = ✅ запущено
admin-status-stopped = ❌ остановлено
admin-status-last-error = Последняя ошибка: <code>{ $error }</code>
admin-status-core-error = Ядро: не удалось опросить (<code>{ $error }</code>)
admin-status-core-missing = Ядро: недоступно ({ $reason })
admin-status-host = Сервер: { $cpus } CPU · нагрузка { $load } · ОЗУ { $ramUsed } из { $ramTotal } · на диске свободно { $diskFree } из { $diskTotal }
admin-status-keys = Ключи: { $counts } · сейчас в сети: { $online }
admin-status-traffic = Трафик: сегодня { $today } · за месяц { $month }
admin-status-top = Больше всего трафика за месяц:
admin-status-nodes = Узлы:
admin-btn-sync = 🔁 Синхронизировать
admin-btn-check = 🩺 Проверить
admin-btn-restart = ♻️ Перезапустить ядро
admin-confirm-restart = Перезапустить VPN-ядро? Все соединения оборвутся на несколько секунд.
admin-done-restarted = Ядро перезапущено.
admin-sync-title = 🔁 <b>Ядро синхронизировано.</b> Что расходилось:
admin-check-title = 🩺 <b>База и ядро</b>
admin-drift-none = ✅ В ядре ровно те ключи, что должны быть.
admin-drift-missing = Нет в ядре: { $names }
admin-drift-extra = Лишние в ядре: { $names }
admin-drift-changed = Изменились: { $names }
admin-drift-reality = REALITY: SNI <code>{ $sni }</code>, цель <code>{ $target }</code>
admin-drift-target-ok = ✅ Цель REALITY отвечает как надо.
admin-drift-target-bad = ⚠️ Цель REALITY не работает: { $reason }

## Admin nodes
admin-nodes-title = 🌍 <b>Узлы</b>: { $total }
admin-node-line = { $status } · <b>{ $display }</b> (<code>{ $name }</code>) · пользователей: { $users }
admin-node-status-up = { $icon } работает с { $since }
admin-node-status-down = { $icon } недоступен с { $since }
admin-node-status-disabled = { $icon } выключен
admin-node-status-unknown = { $icon } неизвестно
admin-node-title = 🌍 <b>{ $display }</b> (<code>{ $name }</code>)
admin-node-core = Ядро: { $version } · пользователей в ядре: { $users } · работает { $uptime }
admin-node-traffic = Трафик: сегодня { $today } · за месяц { $month }
admin-node-load = Нагрузка: память { $memory } · CPU { $cpu } · RTT { $rtt }
admin-node-last-error = Последняя ошибка: <code>{ $error }</code>
admin-node-address = Адрес: <code>{ $address }</code>
admin-node-transport-ssh = Доступ по SSH: <code>{ $target }</code>
admin-node-transport-direct = Прямой доступ (только пользователи и трафик): <code>{ $target }</code>
admin-node-transport-local = Ядро этого сервера
admin-btn-add-node = ➕ Добавить узел
admin-btn-node-check = 🩺 Проверить
admin-btn-node-sync = 🔁 Синхронизировать
admin-btn-node-restart = ♻️ Перезапустить
admin-btn-node-disable = ⏸ Выключить
admin-btn-node-enable = ▶️ Включить
admin-btn-node-remove = 🗑 Удалить
admin-node-action-check = Проверка
admin-node-action-sync = Синхронизация
admin-node-action-restart = Перезапуск
admin-node-result-ok = ✅ { $action }: готово · пользователей добавлено { $added }, удалено { $removed }
admin-node-result-failed = ⚠️ { $action }: узел не ответил: <code>{ $error }</code>
admin-node-confirm-restart = Перезапустить ядро <b>{ $display }</b> (<code>{ $name }</code>)? Все соединения через него прервутся на несколько секунд.
admin-node-confirm-remove = Удалить узел <b>{ $display }</b> (<code>{ $name }</code>)? Ключи останутся; пользователи узла будут с него удалены.
admin-node-done-disabled = Узел выключен: его пользователи удаляются с него.
admin-node-done-enabled = Узел включён: он получит все ключи.
admin-node-done-removed = Узел { $name } удалён.
admin-ask-node-name =
    🌍 <b>Новый узел</b>
    Имя? 1–32 латинские буквы, цифры, _ или - (например, <code>de-1</code>); потом его не изменить.
admin-bad-node-name = Имя узла — 1–32 латинские буквы, цифры, _ или -, начиная с буквы или цифры.
admin-node-name-taken = Узел с таким именем уже есть. Придумайте другое имя.
admin-ask-node-display = Имя для пользователей (например, 🇩🇪 Франкфурт)? Пропустить: имя узла.
admin-bad-node-display = Пришлите имя длиной 1–64 символа.
admin-ask-node-target = Как xkeeper до него достучится? <code>USER@HOST[:PORT]</code> по SSH или <code>HOST:PORT</code> API Xray в частной сети.
admin-bad-node-target = Пришлите <code>USER@HOST[:PORT]</code> (SSH) или <code>HOST:PORT</code> (напрямую).
admin-ask-node-remote-dir = Каталог для файлов xkeeper на узле (конфиг, pid, загруженный Xray)? Пропустить: <code>/usr/local/etc/xkeeper</code>.
admin-bad-node-remote-dir = Пришлите абсолютный путь (начинается с <code>/</code>), до 500 символов.
admin-node-host-key =
    SSH-ключ хоста узла: <code>{ $fingerprint }</code>
    Сверьте его на узле (<code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>): при добавлении он будет закреплён.
admin-node-no-ssh = Этот бот не может подключаться к узлам по SSH: добавьте узел через CLI.
admin-node-host-key-failed = Не удалось прочитать ключ хоста узла: <code>{ $error }</code>
admin-node-add-summary =
    🌍 <b>Новый узел</b>
    Имя: <code>{ $name }</code>
    Показывается как: { $display }
    Доступ: <code>{ $target }</code> ({ $transport })
admin-node-remote-dir = Каталог на узле: <code>{ $dir }</code>
admin-node-adding = ⏳ Добавляю узел <code>{ $name }</code>…
admin-node-added = ✅ Узел <code>{ $name }</code> добавлен.
admin-node-step-host-key = Ключ хоста
admin-node-step-key = Ключ xkeeper
admin-node-step-login = Вход по SSH
admin-node-step-check = Проверка узла
admin-node-step-upload-core = Загрузка Xray
admin-node-step-config = Загрузка конфига
admin-node-step-validate = Проверка конфига на узле
admin-node-step-start = Запуск ядра
admin-node-step-api = API ядра
admin-node-step-users = Ключи
admin-node-step-ready = Готово

## Admin: events
admin-events-title = 📜 <b>События</b>: { $total }
admin-events-filter = Важность: { $severity } · тип: { $type }
admin-events-none = Событий нет.
admin-btn-all-types = Все типы

## Admin: broadcast
admin-ask-broadcast =
    📣 <b>Рассылка</b>
    Пришлите сообщение для рассылки: текст или фото с подписью. Оформление сохранится.
admin-bad-broadcast = Пришлите текст или фото.
admin-ask-audience = Кому отправить?
admin-audience-all = Всем ({ $count })
admin-audience-active = С активным ключом ({ $count })
admin-audience-expired = У кого ключ истёк ({ $count })
admin-broadcast-preview = 👇 Так это будет выглядеть:
admin-broadcast-confirm = Отправить: { $audience }?
admin-broadcast-progress =
    📣 Отправляю… { $done } из { $total }
    Доставлено: { $sent } · заблокировали бота: { $blocked } · ошибок: { $failed }
admin-broadcast-done =
    ✅ <b>Рассылка завершена</b>: { $done } из { $total }
    Доставлено: { $sent } · заблокировали бота: { $blocked } · ошибок: { $failed }
admin-broadcast-cancelled =
    ⏹ <b>Рассылка остановлена</b> после { $done } из { $total }
    Доставлено: { $sent } · заблокировали бота: { $blocked } · ошибок: { $failed }
admin-btn-stop-broadcast = ⏹ Остановить
admin-broadcast-stopping = Останавливаю…
admin-broadcast-not-running = Эта рассылка уже не идёт.

## Admin: backups
admin-backups-title = 💾 <b>Резервные копии</b> на сервере, сначала новые:
admin-backups-none = Архивов пока нет.
admin-backups-hint = Чтобы восстановить копию, пришлите архив в этот чат файлом с подписью <code>/restore</code>.
admin-btn-backup-now = 💾 Сделать копию
admin-backup-running = 💾 Делаю резервную копию…
admin-backup-caption = 💾 Резервная копия от { $date }, { $size }
admin-backup-counts = Ключей: { $keys } · людей: { $users } · API-ключей: { $apiKeys } · событий: { $events }
admin-backup-too-large = Копия весит { $size } — больше { $limit }, которые бот может отправить. Она лежит на сервере: <code>{ $file }</code>
admin-restore-usage = Пришлите архив резервной копии файлом с подписью <code>/restore</code>.
admin-restore-too-large = Файл больше { $limit } — бот не может его скачать. Восстановите копию на сервере: <code>xkeeper restore FILE --yes</code>
admin-restore-checking = 🔎 Скачиваю и проверяю архив…
admin-restore-invalid =
    ❌ Этот файл нельзя восстановить: <code>{ $reason }</code>
    Ничего не изменилось.
admin-restore-failed = ❌ Восстановление не удалось; подробности в журнале сервера.
admin-restore-preview =
    ♻️ <b>Восстановить эту копию?</b>
    Сделана { $date }, xkeeper { $version }.
admin-restore-newest-event = Последнее событие: { $type }, { $date }
admin-restore-warning = ⚠️ Всё, что сейчас в базе, будет заменено (перед этим сохранится копия).
admin-btn-restore = ♻️ Восстановить
admin-restore-cancelled = Восстановление отменено, ничего не изменилось.
admin-restore-expired = Этого файла больше нет. Пришлите архив ещё раз с подписью /restore.
admin-restore-running = ♻️ Восстанавливаю…
admin-restore-syncing = 🔁 Восстановлено. Привожу ядро в соответствие…
admin-restore-done =
    ✅ <b>Восстановлена</b> копия от { $date }.
    Прежние данные сохранены в <code>{ $previous }</code>.
admin-restore-not-synced = ⚠️ Ядро сейчас не удалось синхронизировать; оно догонит, как только станет доступно.
admin-restore-keeps = 🛡 Администраторы и журнал событий останутся такими, как сейчас.
admin-restore-archive-admins = В архиве другие администраторы: { $admins }. Они станут администраторами только по кнопке ниже.
admin-btn-restore-with-admins = ♻️ Восстановить с администраторами из архива
admin-restore-admins-kept = Администраторы (прежние): { $admins }
admin-restore-admins-taken = Администраторы (из архива): { $admins }

## Admin: API keys
admin-apikeys-title = 🔐 <b>API-ключи</b>: { $total }
admin-apikeys-none = API-ключей пока нет.
admin-apikey-line =
    #{ $id } <b>{ $name }</b> · <code>{ $prefix }…</code> · { $status }
    { $scopes } · { $terms } · последний запрос: { $used }
admin-apikey-terms = { $minute }/мин, { $hour }/ч, истекает: { $expires }
admin-apikey-status-active = активен
admin-apikey-status-disabled = выключен
admin-apikey-status-revoked = отозван
admin-apikey-status-expired = истёк
admin-btn-revoke = ⛔ Отозвать #{ $id } { $name }
admin-btn-create-apikey = ➕ Новый API-ключ
admin-confirm-revoke = Отозвать API-ключ #{ $id } <b>{ $name }</b>? Приложения с ним начнут получать 401.
admin-done-revoked = API-ключ отозван.
admin-ask-apikey-name =
    🔐 <b>Новый API-ключ</b>
    Назовите его по тому, что будет им пользоваться (например, «billing»):
admin-bad-apikey-name = Пришлите название длиной от 1 до 64 символов.
admin-ask-scopes = Что ему можно? Отметьте права и нажмите «Готово».
admin-bad-scopes = Выберите хотя бы одно право.
admin-ask-rate-minute = Не больше скольких запросов в минуту? (Пропустить — { $default })
admin-ask-rate-hour = Не больше скольких запросов в час? (Пропустить — { $default })
admin-bad-rate = Пришлите целое число от { $min } до { $max }.
admin-ask-apikey-days = На сколько дней? (0 — бессрочно)
admin-apikey-summary =
    Создать такой API-ключ?
    Название: <b>{ $name }</b>
    Права: { $scopes }
    Лимиты: { $minute }/мин, { $hour }/ч
    Дней: { $days }
admin-apikey-created =
    🔐 API-ключ #{ $id } <b>{ $name }</b> создан.

    <code>{ $key }</code>

    Скопируйте его сейчас: он показывается один раз.
    Права: { $scopes } · { $terms }
admin-btn-delete-message = 🗑 Сохранил, удалить сообщение

## Admin: admins
admin-admins-title = 👥 <b>Администраторы</b>
admin-admins-owner = 👑 { $person }, владелец
admin-admins-admin = 🛡 { $person }, администратор
admin-admins-hint = Владельцы задаются в ADMIN_IDS. Администраторам доступно всё, кроме управления администраторами.
admin-btn-add-admin = ➕ Добавить администратора
admin-btn-remove = ✖ Убрать { $person }
admin-confirm-remove-admin = Лишить { $person } прав администратора?
admin-done-admin-removed = Администратор убран.
admin-done-admin-added = ✅ Администратор добавлен.
admin-ask-admin-id = Перешлите любое сообщение нового администратора или пришлите его id в Telegram.

## Admin: settings
admin-settings-title = ⚙️ <b>Настройки</b>
admin-setting-line = { $label }: <b>{ $value }</b>
admin-setting-keyRequestPolicy = Запросы ключей
admin-setting-maxKeysPerUser = Ключей на человека
admin-setting-selfServiceWindowDays = За сколько дней считать
admin-setting-defaultKeyDays = Дней у нового ключа
admin-setting-defaultKeyTrafficGb = ГБ у нового ключа
admin-setting-quotaNoticePercents = Уведомления о трафике, %
admin-setting-expiryNoticeDays = Уведомления об окончании, за сколько дней
admin-setting-supportContact = Контакт поддержки
admin-setting-subscriptionAnnounce = Объявление в подписке
admin-setting-hideDownNodeMinutes = Скрывать недоступный сервер через, минут
admin-setting-orderLifetimeMinutes = Срок заказа, минут
admin-setting-realitySni = REALITY SNI
admin-policy-open = открыты
admin-policy-approval = с одобрением
admin-policy-closed = закрыты
admin-setting-backupsForAdmins = Резервные копии (/backup)
admin-backups-for-owners = только владельцы
admin-backups-for-admins = владельцы и администраторы
admin-btn-backups-allow-admins = 💾 Разрешить копии администраторам
admin-btn-backups-owners-only = 💾 Копии только владельцам
admin-ask-maxKeysPerUser = Сколько ключей один человек может получить через бота? Сейчас: { $current }. (0 — ни одного)
admin-ask-selfServiceWindowDays = За сколько дней считать ключи, полученные человеком через бота, включая удалённые (не больше «Ключей на человека» за это время)? Сейчас: { $current }.
admin-ask-defaultKeyDays = Сколько дней действует ключ, выданный через бота? Сейчас: { $current }. (0 — бессрочно)
admin-ask-defaultKeyTrafficGb = Сколько ГБ может израсходовать ключ, выданный через бота? Сейчас: { $current }. (0 — без лимита)
admin-ask-quotaNoticePercents = При скольких процентах лимита предупреждать владельца? Сейчас: { $current }. Пришлите до 5 чисел, например <code>80, 100</code>
admin-ask-expiryNoticeDays = За сколько дней до окончания предупреждать владельца? Сейчас: { $current }. Пришлите до 5 чисел, например <code>3, 1</code>
admin-ask-supportContact = Контакт поддержки для пользователей (например, @support или ссылка). Сейчас: { $current }. Пришлите <code>-</code>, чтобы убрать.
admin-ask-subscriptionAnnounce = Объявление, которое VPN-приложения показывают из каждой подписки (до 200 символов). Сейчас: { $current }. Отправьте <code>-</code>, чтобы убрать его.
admin-ask-hideDownNodeMinutes = Через сколько минут недоступности сервер VPN убирается из подписок (приложения перестают его предлагать)? Сейчас: { $current }. (0 — сразу, как только он недоступен; до 10080)
admin-ask-orderLifetimeMinutes = Сколько минут заказ (и промокод, который он держит) ждёт оплаты, прежде чем истечёт? Сейчас: { $current }. (1–10080)
admin-ask-realitySni = Новое имя сервера REALITY — сайт с TLS 1.3, например <code>www.microsoft.com</code>. Сейчас: { $current }.
admin-bad-setting = Такое значение не подходит, посмотрите пример выше.
admin-confirm-sni = Сменить REALITY SNI на <code>{ $sni }</code>? Ядро перезапустится: все соединения оборвутся, и всем понадобятся новые ссылки.

## Admin: requests
admin-requests-title = 📨 <b>Запросы ключей</b>, ждут решения: { $total }
admin-requests-none = Ничего не ждёт.
admin-btn-approve = ✅ #{ $id }
admin-btn-reject = ❌ #{ $id }
admin-done-approved = Одобрено: ключ { $name } создан.
admin-done-rejected = Запрос отклонён.

## Admin: alerts
admin-alert-core-exited = <b>VPN-ядро остановилось.</b> { $details }
admin-alert-core-restarted = VPN-ядро перезапущено. { $details }
admin-alert-core-config-refused = <b>VPN-ядро не приняло конфигурацию.</b> { $details }
admin-alert-core-not-available = <b>Нет рабочего VPN-ядра.</b> { $details }
admin-alert-core-restart-detected = VPN-ядро перезапустилось само. { $details }
admin-alert-core-user-rejected = <b>VPN-ядро не приняло ключ.</b> { $details }
admin-alert-core-drift-fixed = VPN-ядро разошлось с базой, расхождение исправлено. { $details }
admin-alert-webhook-dead-letter = <b>Исходящий вебхук не доставлен</b> после всех попыток: { $url } (<code>{ $error }</code>)
admin-alert-payment-received = 💰 Получен платёж: { $amount } за <code>{ $key }</code> ({ $provider })
admin-alert-payment-mismatch = <b>Платёж отклонён</b> по заказу #{ $order } ({ $provider }): оплачено { $paid }, заказ стоит { $expected } ({ $reason }). Ничего не выдано; верните деньги или проведите заказ вручную.
admin-alert-backup-failed = <b>Плановая резервная копия не сделана:</b> <code>{ $error }</code>
admin-alert-node-down = <b>VPN-сервер { $node } недоступен:</b> <code>{ $error }</code>
admin-alert-node-up = VPN-сервер { $node } снова доступен.
admin-alert-node-host-key-changed = <b>VPN-сервер { $node } показывает другой SSH-ключ хоста</b>: закреплён <code>{ $pinned }</code>, сейчас <code>{ $seen }</code>. xkeeper его не принимает, сервер недоступен. Если сервер переустановлен, закрепите новый ключ: <code>xkeeper node set { $node } --host-key …</code>; иначе кто-то может выдавать себя за него.
admin-alert-job-failed = <b>Задача { $job } завершилась с ошибкой:</b> <code>{ $error }</code>
admin-alert-telegram-restored = <b>Бот не мог связаться с Telegram</b> { $seconds } с (<code>{ $reason }</code>); VPN, его лимиты и HTTP API продолжали работать. Сообщения, отправленные за это время, сейчас обрабатываются.
admin-alert-error = <b>Ошибка в боте:</b> <code>{ $error }</code> (подробности в логах)
admin-alert-generic = <b>{ $type }</b> { $details }

## Payments
buy-title = 💳 <b>Покупка и продление</b>
buy-renews = Дни добавятся к оставшемуся сроку ключа <b>{ $key }</b>.
buy-makes-key = После оплаты вы получите новый ключ.
buy-plan-line = • <b>{ $name }</b>: { $terms } — { $price }
buy-pick-plan = Выберите тариф:
buy-none = 💳 Сейчас ничего не продаётся. Чтобы продлить ключ, напишите администраторам.
buy-terms = { $days ->
        [one] { $days } день
        [few] { $days } дня
       *[many] { $days } дней
    }, { $traffic }
buy-traffic-gb = { $gb } ГБ
buy-traffic-unlimited = трафик без ограничений
buy-free = бесплатно
buy-btn-trial = 🎁 { $name }
buy-plan =
    <b>{ $name }</b>: { $terms }
    Цена: { $price }
buy-promo-line = 🎟 Промокод <b>{ $code }</b>: { $effect }
buy-promo-percent = −{ $value }%
buy-promo-fixed = −{ $value } ⭐
buy-promo-days = +{ $value ->
        [one] { $value } день
        [few] { $value } дня
       *[many] { $value } дней
    }
buy-choose-method = Как хотите оплатить?
buy-no-method = Этот тариф сейчас нельзя оплатить. Напишите, пожалуйста, администраторам.
buy-btn-stars = ⭐ Telegram Stars
buy-btn-cryptopay = 💎 Crypto Pay
buy-btn-yookassa = 💳 ЮKassa
buy-btn-stripe = 💳 Карта (Stripe)
buy-btn-promo = 🎟 У меня есть промокод
buy-btn-plans = « Тарифы
buy-ask-promo = 🎟 Пришлите промокод сообщением.
buy-promo-invalid = 🎟 Этот промокод недействителен. Проверьте написание и попробуйте ещё раз.
buy-promo-locked = 🎟 Слишком много неверных промокодов. Попробуйте немного позже.
buy-invoice-description = Доступ к VPN: { $terms }.
buy-link = 🧾 Заказ №{ $order }: <b>{ $name }</b> за { $price }. Оплатите по кнопке ниже — ключ обновится, как только платёж подтвердится.
buy-btn-pay = 💳 Оплатить { $price }
buy-provider-failed = 😔 Платёжный сервис сейчас не отвечает. Попробуйте позже или оплатите через Telegram Stars.
buy-plan-unavailable = Этот тариф больше не продаётся. Выберите другой: /buy
buy-trial-used = 🎁 Пробный период у вас уже был. Выберите, пожалуйста, платный тариф.
buy-trial-started = 🎁 Пробный период начался! Подробности — в следующем сообщении.
pay-refused-not-found = Этого заказа больше нет. Начните заново: /buy.
pay-refused-expired = Срок этого заказа истёк. Начните заново: /buy.
pay-refused-paid = Этот заказ уже оплачен.
pay-refused-amount = Цена изменилась. Начните заново: /buy.
pay-refused-plan = Этот тариф больше не продаётся. Выберите другой: /buy.
pay-refused-not-yours = Этот счёт выставлен другому человеку. Воспользуйтесь /buy.
pay-late-refunded = ⌛ Срок заказа истёк до того, как пришла оплата, поэтому звёзды вернулись к вам. Начните заново: /buy.
notice-purchased = ✅ Оплата получена, спасибо! Вот ваш новый ключ.
notice-trial = 🎁 Ваш пробный ключ готов. Пользуйтесь на здоровье!
notice-refunded = ↩️ Ваш платёж на { $amount } (заказ №{ $order }) возвращён. То, что он добавил ключу <b>{ $key }</b>, снято.

## Admin payments
admin-btn-payments = 💳 Тарифы и оплата
admin-plans-title = 💳 <b>Тарифы</b>: { $total }
admin-plans-none = Тарифов пока нет: /buy отвечает, что ничего не продаётся.
admin-plan-line = #{ $id } <b>{ $name }</b> · { $days } дн. · { $traffic } · { $price } · { $state }
admin-plan-on = продаётся
admin-plan-off = ⏸ не продаётся
admin-plan-trial = бесплатный пробный, один раз на человека
admin-btn-plan = #{ $id } { $name }
admin-btn-new-plan = ➕ Новый тариф
admin-btn-promos = 🎟 Промокоды
admin-btn-orders = 🧾 Заказы
admin-btn-plans = « Тарифы
admin-plan-card =
    💳 Тариф #{ $id } <b>{ $name }</b> · { $state }
    Дней: { $days } · трафик: { $traffic }
    Цена: { $price }
admin-btn-plan-off = ⏸ Снять с продажи
admin-btn-plan-on = ▶️ Вернуть в продажу
admin-btn-plan-price = 💰 Изменить цену
admin-ask-plan-name =
    💳 <b>Новый тариф</b> (1/5)
    Название, которое увидят покупатели (например, «Месяц»):
admin-bad-plan-name = Пришлите название длиной от 1 до 32 символов.
admin-ask-plan-days = (2/5) Сколько дней даёт тариф?
admin-bad-plan-days = Пришлите целое число дней от 1 до 3650.
admin-ask-plan-gb = (3/5) Сколько ГБ трафика он добавляет? (0 — без ограничений)
admin-bad-plan-gb = Пришлите целое число ГБ, 0 или больше.
admin-ask-plan-price = (4/5) Цена в Telegram Stars, а за ней — в других валютах, если продаёте через Crypto Pay, ЮKassa или Stripe: например, <code>100</code> или <code>100, RUB 199.00, USD 2.99</code>. 0 делает тариф бесплатным пробным — один раз на человека.
admin-ask-plan-new-price = Новая цена тарифа <b>{ $name }</b> (сейчас: { $price }). Сначала Stars, затем другие валюты: например, <code>100, RUB 199.00</code>. 0 — бесплатный пробный.
admin-bad-plan-price = Пришлите целое число Stars от 0 до 10000, а за ним, если нужно, цены вроде <code>RUB 199.00</code> через запятую.
admin-plan-summary =
    (5/5) Создать такой тариф?
    Название: <b>{ $name }</b>
    Дней: { $days }
    Трафик: { $traffic }
    Цена: { $price }
admin-done-plan-created = ✅ Тариф создан.
admin-done-plan-price = ✅ Цена изменена.
admin-promos-title = 🎟 <b>Промокоды</b>: { $total }
admin-promos-none = Промокодов пока нет.
admin-promo-line = <code>{ $code }</code> · { $effect } · использован { $uses } из { $max } · действует до: { $expires }
admin-promo-percent = −{ $value }%
admin-promo-fixed = −{ $value } ⭐
admin-promo-days = +{ $value } дн.
admin-btn-new-promo = ➕ Новый промокод
admin-ask-promo-code =
    🎟 <b>Новый промокод</b> (1/6)
    Код, который будут вводить: 3–32 латинские буквы, цифры, _ или -
admin-bad-promo-code = Код — это 3–32 латинские буквы, цифры, _ или -
admin-ask-promo-kind = (2/6) Что он даёт?
admin-promo-kind-percent = Скидку в %
admin-promo-kind-fixed = Скидку в Stars
admin-promo-kind-days = Дополнительные дни
admin-ask-promo-percent = (3/6) Скидка в процентах? (1–100)
admin-ask-promo-fixed = (3/6) Сколько Stars скинуть? (При оплате картой или криптовалютой скидка — то же число копеек или центов.)
admin-ask-promo-days = (3/6) Сколько дней добавить?
admin-bad-promo-number = Пришлите целое число от { $min } до { $max }.
admin-ask-promo-uses = (4/6) Сколько раз его можно использовать? (Пропустить — без ограничений)
admin-ask-promo-valid = (5/6) Сколько дней он действует? (Пропустить — бессрочно)
admin-promo-summary =
    (6/6) Создать такой промокод?
    Код: <code>{ $code }</code>
    Даёт: { $effect }
    Использований: { $max }
    Дней: { $days }
admin-done-promo-created = ✅ Промокод создан.
admin-orders-title = 🧾 <b>Последние заказы</b>
admin-orders-none = Заказов пока нет.
admin-order-line = #{ $id } · { $date } · { $person } · { $plan } · { $amount } · { $provider } · { $state }
admin-order-external-ref = {" "}· их заказ <code>{ $ref }</code>
admin-order-created = не оплачен
admin-order-paid = оплачен
admin-order-applied = ✅ оплачен
admin-order-failed = ошибка
admin-order-refunded = ↩️ возвращён
admin-order-expired = ⌛ истёк
admin-btn-refund = ↩️ Вернуть #{ $id }
admin-confirm-refund = Вернуть заказ #{ $id }: { $amount } — { $person }? Stars вернутся покупателю, а то, что заказ добавил ключу <b>{ $key }</b>, будет снято.
admin-refund-not-refundable = Здесь можно вернуть только оплаченные заказы в Telegram Stars.
admin-refund-failed = Telegram не принял возврат: { $error }
admin-done-refunded = Возвращено.

## Commands
command-start = Главное меню
command-keys = Мои ключи
command-new = Запросить новый ключ
command-traffic = Мой трафик
command-buy = Купить или продлить
command-lang = Язык
command-help = Как подключиться
command-admin = Меню администратора
command-users = Найти ключи
command-user = Показать ключ
command-create = Создать ключ
command-status = Состояние сервера
command-events = Журнал событий
command-broadcast = Рассылка всем
command-backup = Резервная копия
command-apikeys = API-ключи
