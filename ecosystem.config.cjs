// pm2: one process in fork mode. SQLite, cron jobs and long polling share it, so never
// run more than one instance. Environment comes from .env (read by xkeeper itself).
// Runs the build (`npm run build` first), with the same node flags as `npm start`.
module.exports = {
  apps: [
    {
      name: 'xkeeper',
      script: 'dist/main.js',
      node_args:
        '--expose-gc --max-old-space-size=384 --max-semi-space-size=4 --v8-pool-size=1 --no-allocation-site-pretenuring',
      exec_mode: 'fork',
      instances: 1,
      autorestart: true,
      max_restarts: 20,
      min_uptime: '10s',
      exp_backoff_restart_delay: 200,
      kill_timeout: 15000,
      max_memory_restart: '512M',
      out_file: './data/logs/xkeeper.out.log',
      error_file: './data/logs/xkeeper.err.log',
      merge_logs: true,
      time: true,
    },
  ],
};
