-- description: Stored emails are trimmed and lower-cased, so the unique index really deduplicates.
SELECT person_id, email
FROM {{ ref('stg_people') }}
WHERE email IS NOT NULL AND (email <> lower(trim(email)) OR email NOT LIKE '%_@_%._%')
