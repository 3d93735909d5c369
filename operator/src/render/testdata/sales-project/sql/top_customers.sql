SELECT 'acme' AS customer, 100 AS revenue LIMIT $limit
