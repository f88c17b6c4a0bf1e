-- materialized: view
-- description: Per-list member counts and coverage (email, LinkedIn, domain, verified share).
SELECT
    t.id                AS list_id,
    t.workspace_slug,
    t.name              AS list_name,
    t.status,
    count(l.person_id)                                        AS members,
    count(l.person_id) FILTER (WHERE l.has_email)             AS with_email,
    count(l.person_id) FILTER (WHERE l.has_linkedin)          AS with_linkedin,
    count(l.person_id) FILTER (WHERE l.has_domain)            AS with_domain,
    count(l.person_id) FILTER (WHERE l.has_verified_email)    AS verified_valid,
    count(l.person_id) FILTER (WHERE l.has_email AND l.email_status IS NULL) AS needs_verification
FROM {{ source('target_lists') }} AS t
LEFT JOIN {{ source('target_list_members') }} AS m ON m.list_id = t.id
LEFT JOIN {{ ref('stg_people') }} AS l ON l.person_id = m.person_id
GROUP BY ALL
