-- asset: list_stats
-- description: Every list member is a person in the store and every membership points at a list.
SELECT m.list_id, m.person_id
FROM {{ source('target_list_members') }} AS m
LEFT JOIN {{ source('people') }} AS p ON p.id = m.person_id
LEFT JOIN {{ source('target_lists') }} AS t ON t.id = m.list_id
WHERE p.id IS NULL OR t.id IS NULL
