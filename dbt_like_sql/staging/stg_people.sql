-- materialized: view
-- description: People with their derived contact coverage flags and enrichment status (full | partial | missing); search reads this (no join).
SELECT
    p.id                                                    AS person_id,
    p.email,
    p.first_name,
    p.last_name,
    trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')) AS full_name,
    p.job_title,
    p.seniority,
    p.company_name,
    p.company_domain,
    p.linkedin_url,
    p.phone,
    p.location,
    p.country,
    p.vertical,
    p.source,
    p.email_status,
    p.verified_at,
    p.email IS NOT NULL                                     AS has_email,
    p.linkedin_url IS NOT NULL                              AS has_linkedin,
    p.company_domain IS NOT NULL                            AS has_domain,
    coalesce(p.email_status = 'valid', false)               AS has_verified_email,
    CASE
        WHEN p.email IS NOT NULL AND p.linkedin_url IS NOT NULL AND p.company_domain IS NOT NULL
             AND p.job_title IS NOT NULL THEN 'full'
        WHEN p.email IS NULL AND p.linkedin_url IS NULL THEN 'missing'
        ELSE 'partial'
    END                                                     AS enrichment_status,
    p.created_at,
    p.updated_at
FROM {{ source('people') }} AS p
