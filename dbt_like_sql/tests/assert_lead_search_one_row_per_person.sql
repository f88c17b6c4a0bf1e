-- description: The company join never fans a person out into several rows.
SELECT person_id, count(*) AS n
FROM {{ ref('lead_search') }}
GROUP BY person_id
HAVING count(*) > 1
