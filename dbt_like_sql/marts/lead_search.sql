-- materialized: view
-- description: One row per person with company facts and enrichment status (full | partial | missing); what People search reads.
SELECT
    p.*,
    c.company_display_name,
    c.industry,
    c.headcount,
    c.company_location,
    c.company_country,
    c.website,
    c.company_linkedin_url,
    c.company_description,
    c.has_crawl
FROM {{ ref('stg_people') }} AS p
LEFT JOIN {{ ref('stg_companies') }} AS c ON c.domain = p.company_domain
