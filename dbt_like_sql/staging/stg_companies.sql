-- materialized: view
-- description: Companies keyed by normalised domain.
SELECT
    c.id            AS company_id,
    c.domain,
    c.name          AS company_display_name,
    c.industry,
    c.headcount,
    c.location      AS company_location,
    c.country       AS company_country,
    c.website,
    c.linkedin_url  AS company_linkedin_url,
    c.description   AS company_description,
    c.year_founded,
    c.crawled_at IS NOT NULL AS has_crawl
FROM {{ source('companies') }} AS c
