-- duckdb
SELECT
  CAST("unit_id" AS TEXT) AS "kpi_unit",
  DATE_TRUNC('MONTH', TRY_CAST("returned_at" AS DATE)) AS "kpi_month",
  COUNT(*) AS "kpi_records",
  MIN("returned_at") FILTER(WHERE
    TRY_CAST("returned_at" AS DATE) IS NULL) AS "kpi_bad_date",
  COUNT(*) FILTER(WHERE
    TRY_CAST("returned_at" AS DATE) > TRY_CAST("due_at" AS DATE)) AS "late",
  SUM(CAST("fee" AS DECIMAL(38, 9))) FILTER(WHERE
    TRY_CAST("due_at" AS DATE) < CAST('2022-02-01' AS DATE)) AS "fees",
  COUNT(*) FILTER(WHERE
    TRY_CAST("due_at" AS DATE) IS NULL AND NOT NULLIF(TRIM("due_at"), '') IS NULL) AS "kpi_bad__due_at",
  MIN("due_at") FILTER(WHERE
    TRY_CAST("due_at" AS DATE) IS NULL AND NOT NULLIF(TRIM("due_at"), '') IS NULL) AS "kpi_bad__due_at__e",
  MIN(TRY_CAST("returned_at" AS DATE)) AS "kpi_first",
  MAX(TRY_CAST("returned_at" AS DATE)) AS "kpi_last"
FROM "d"
WHERE
  (
    TRY_CAST("returned_at" AS DATE) >= CAST('2022-01-01' AS DATE)
    AND TRY_CAST("returned_at" AS DATE) < CAST('2022-04-01' AS DATE)
  )
  OR (
    TRY_CAST("returned_at" AS DATE) IS NULL
    AND NOT NULLIF(TRIM("returned_at"), '') IS NULL
  )
GROUP BY
  1,
  2
-- postgres
SELECT
  CAST("unit_id" AS VARCHAR) AS "kpi_unit",
  DATE_TRUNC(
    'MONTH',
    CASE
      WHEN "returned_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("returned_at" AS DATE)
    END
  ) AS "kpi_month",
  COUNT(*) AS "kpi_records",
  MIN("returned_at") FILTER(WHERE
    CASE
      WHEN "returned_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("returned_at" AS DATE)
    END IS NULL) AS "kpi_bad_date",
  COUNT(*) FILTER(WHERE
    CASE
      WHEN "returned_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("returned_at" AS DATE)
    END > CASE
      WHEN "due_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("due_at" AS DATE)
    END) AS "late",
  SUM(CAST("fee" AS DECIMAL(38, 9))) FILTER(WHERE
    CASE
      WHEN "due_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("due_at" AS DATE)
    END < CAST('2022-02-01' AS DATE)) AS "fees",
  COUNT(*) FILTER(WHERE
    CASE
      WHEN "due_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("due_at" AS DATE)
    END IS NULL
    AND NOT NULLIF(TRIM("due_at"), '') IS NULL) AS "kpi_bad__due_at",
  MIN("due_at") FILTER(WHERE
    CASE
      WHEN "due_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("due_at" AS DATE)
    END IS NULL
    AND NOT NULLIF(TRIM("due_at"), '') IS NULL) AS "kpi_bad__due_at__e",
  MIN(
    CASE
      WHEN "returned_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("returned_at" AS DATE)
    END
  ) AS "kpi_first",
  MAX(
    CASE
      WHEN "returned_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("returned_at" AS DATE)
    END
  ) AS "kpi_last"
FROM "d"
WHERE
  (
    CASE
      WHEN "returned_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("returned_at" AS DATE)
    END >= CAST('2022-01-01' AS DATE)
    AND CASE
      WHEN "returned_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("returned_at" AS DATE)
    END < CAST('2022-04-01' AS DATE)
  )
  OR (
    CASE
      WHEN "returned_at" ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
      THEN CAST("returned_at" AS DATE)
    END IS NULL
    AND NOT NULLIF(TRIM("returned_at"), '') IS NULL
  )
GROUP BY
  1,
  2
-- spark
SELECT
  CAST(`unit_id` AS STRING) AS `kpi_unit`,
  TRUNC(TRY_CAST(`returned_at` AS DATE), 'MONTH') AS `kpi_month`,
  COUNT(*) AS `kpi_records`,
  MIN(`returned_at`) FILTER(WHERE
    TRY_CAST(`returned_at` AS DATE) IS NULL) AS `kpi_bad_date`,
  COUNT(*) FILTER(WHERE
    TRY_CAST(`returned_at` AS DATE) > TRY_CAST(`due_at` AS DATE)) AS `late`,
  SUM(CAST(`fee` AS DECIMAL(38, 9))) FILTER(WHERE
    TRY_CAST(`due_at` AS DATE) < CAST('2022-02-01' AS DATE)) AS `fees`,
  COUNT(*) FILTER(WHERE
    TRY_CAST(`due_at` AS DATE) IS NULL AND NOT NULLIF(TRIM(`due_at`), '') IS NULL) AS `kpi_bad__due_at`,
  MIN(`due_at`) FILTER(WHERE
    TRY_CAST(`due_at` AS DATE) IS NULL AND NOT NULLIF(TRIM(`due_at`), '') IS NULL) AS `kpi_bad__due_at__e`,
  MIN(TRY_CAST(`returned_at` AS DATE)) AS `kpi_first`,
  MAX(TRY_CAST(`returned_at` AS DATE)) AS `kpi_last`
FROM `d`
WHERE
  (
    TRY_CAST(`returned_at` AS DATE) >= CAST('2022-01-01' AS DATE)
    AND TRY_CAST(`returned_at` AS DATE) < CAST('2022-04-01' AS DATE)
  )
  OR (
    TRY_CAST(`returned_at` AS DATE) IS NULL
    AND NOT NULLIF(TRIM(`returned_at`), '') IS NULL
  )
GROUP BY
  1,
  2
