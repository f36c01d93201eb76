SELECT
  `unit_id` AS `kpi_unit`,
  TRUNC(`returned_at`, 'MONTH') AS `kpi_month`,
  COUNT(*) AS `kpi_records`,
  COUNT(*) FILTER(WHERE
    NOT `returned_at` IS NULL) AS `resolved`,
  COUNT(*) FILTER(WHERE
    `returned_at` <= `due_at`) AS `on_time`,
  COUNT(*) FILTER(WHERE
    `returned_at` > `due_at`) AS `late`,
  COUNT(*) FILTER(WHERE
    `channel` IN ('online_full', 'online_partial')) AS `online`,
  COUNT(*) FILTER(WHERE
    `fee_paid_online` = TRUE) AS `paid_online`,
  COUNT(*) FILTER(WHERE
    NOT `rating` IS NULL) AS `rated`,
  COUNT(*) FILTER(WHERE
    `rating` >= 4) AS `satisfied`,
  SUM(`wait_minutes`) FILTER(WHERE
    `channel` = 'direct') AS `avg_wait__sum`,
  COUNT(`wait_minutes`) FILTER(WHERE
    `channel` = 'direct') AS `avg_wait__n`,
  MAX(`wait_minutes`) AS `longest_wait`,
  MIN(`returned_at`) AS `kpi_first`,
  MAX(`returned_at`) AS `kpi_last`
FROM `dossiers`
WHERE
  `returned_at` >= CAST('2022-01-01' AS DATE)
  AND `returned_at` < CAST('2023-01-01' AS DATE)
GROUP BY
  1,
  2
