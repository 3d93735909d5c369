-- list_products: the product catalogue, optionally narrowed to one category.
-- The catalogue is defined inline (no tables needed), so this works on a fresh,
-- empty, even read-only DuckDB file.
WITH products AS (
  SELECT id::INTEGER AS id, name, category, price::DOUBLE AS price
  FROM (VALUES
    (1, 'Espresso Beans 1kg', 'coffee',    24.50),
    (2, 'House Blend 500g',   'coffee',    11.00),
    (3, 'Decaf Roast 500g',   'coffee',    12.25),
    (4, 'Sencha Green 100g',  'tea',        9.75),
    (5, 'Earl Grey 100g',     'tea',        8.50),
    (6, 'Masala Chai 250g',   'tea',       10.00),
    (7, 'Gooseneck Kettle',   'equipment', 39.00),
    (8, 'Burr Hand Grinder',  'equipment', 54.00)
  ) AS catalogue(id, name, category, price)
)
SELECT id, name, category, price
FROM products
WHERE $category = 'all' OR category = $category
ORDER BY id
LIMIT $limit
