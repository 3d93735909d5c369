-- sales_summary: units sold and revenue per category between two dates
-- (inclusive). Sales are generated deterministically for every day of
-- Q1 2024 (2024-01-01 .. 2024-03-31) and every product, so results are
-- stable and need no stored data.
WITH products AS (
  SELECT id::INTEGER AS id, category, price::DOUBLE AS price
  FROM (VALUES
    (1, 'coffee',    24.50),
    (2, 'coffee',    11.00),
    (3, 'coffee',    12.25),
    (4, 'tea',        9.75),
    (5, 'tea',        8.50),
    (6, 'tea',       10.00),
    (7, 'equipment', 39.00),
    (8, 'equipment', 54.00)
  ) AS catalogue(id, category, price)
),
sales AS (
  SELECT day::DATE AS day,
         p.id AS product_id,
         -- 0..4 units a day, varying by product and day of the year
         ((dayofyear(day) * 7 + p.id * 3) % 5)::INTEGER AS units
  FROM range(DATE '2024-01-01', DATE '2024-04-01', INTERVAL 1 DAY) AS days(day)
  CROSS JOIN products AS p
)
SELECT p.category,
       SUM(s.units)::INTEGER AS units_sold,
       ROUND(SUM(s.units * p.price), 2)::DOUBLE AS revenue
FROM sales AS s
JOIN products AS p ON p.id = s.product_id
WHERE s.day BETWEEN $start_date::DATE AND $end_date::DATE
GROUP BY p.category
ORDER BY p.category
