-- materialized: view
-- description: Per-workspace lead counts and coverage, for the admin home page.
WITH members AS (
    SELECT w.workspace_slug, l.*
    FROM {{ source('person_workspaces') }} AS w
    JOIN {{ ref('stg_people') }} AS l ON l.person_id = w.person_id
),
per_workspace AS (
    SELECT
        workspace_slug,
        count(*)                                              AS people,
        count(*) FILTER (WHERE has_email)                     AS with_email,
        count(*) FILTER (WHERE has_verified_email)            AS verified_valid,
        count(*) FILTER (WHERE has_linkedin)                  AS with_linkedin,
        count(*) FILTER (WHERE enrichment_status = 'full')    AS enrichment_full,
        count(*) FILTER (WHERE enrichment_status = 'partial') AS enrichment_partial,
        count(*) FILTER (WHERE enrichment_status = 'missing') AS enrichment_missing
    FROM members
    GROUP BY workspace_slug
),
lists AS (
    SELECT workspace_slug, count(*) AS lists
    FROM {{ source('target_lists') }}
    GROUP BY workspace_slug
)
SELECT
    ws.slug AS workspace_slug,
    ws.name AS workspace_name,
    coalesce(p.people, 0)             AS people,
    coalesce(p.with_email, 0)         AS with_email,
    coalesce(p.verified_valid, 0)     AS verified_valid,
    coalesce(p.with_linkedin, 0)      AS with_linkedin,
    coalesce(p.enrichment_full, 0)    AS enrichment_full,
    coalesce(p.enrichment_partial, 0) AS enrichment_partial,
    coalesce(p.enrichment_missing, 0) AS enrichment_missing,
    coalesce(l.lists, 0)              AS lists
FROM {{ source('workspaces') }} AS ws
LEFT JOIN per_workspace AS p ON p.workspace_slug = ws.slug
LEFT JOIN lists AS l ON l.workspace_slug = ws.slug
