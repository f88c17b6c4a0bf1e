-- description: Coverage counts can never exceed the people they are counted from.
SELECT workspace_slug
FROM {{ ref('workspace_stats') }}
WHERE with_email > people OR verified_valid > with_email OR with_linkedin > people
   OR enrichment_full + enrichment_partial + enrichment_missing <> people
