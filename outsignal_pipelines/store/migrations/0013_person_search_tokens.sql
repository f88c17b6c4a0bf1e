-- The words of every person's searched text, so free-text search reads a few index rows instead of
-- scanning five text columns of every person (issue 19). kind 'n': words of the first and last name,
-- email and company name; 't': words of the job title. Words are maximal runs of letters and digits of
-- the lower-cased text, split exactly as search's regular expressions see them ([^\pL\pN]).
-- Kept up to date in the same transaction as the people rows by the operations that write them
-- (operations/search_index.refresh_search_index); person_search_index_state says which state of
-- people the index matches, and search falls back to the plain scan when people changed without it.
CREATE TABLE person_search_tokens (
    token       TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('n', 't')),
    person_id   BIGINT NOT NULL
);

CREATE TABLE person_search_index_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    people_count    BIGINT NOT NULL,
    max_person_id   BIGINT,
    max_updated_at  TIMESTAMP
);

INSERT INTO person_search_tokens
SELECT token, kind, person_id FROM (
    SELECT DISTINCT t.token, 'n' AS kind, p.id AS person_id
    FROM people p, unnest(regexp_split_to_array(lower(concat_ws(' ', p.first_name, p.last_name, p.email, p.company_name)),
                                                '[^\pL\pN]+')) AS t(token)
    WHERE t.token <> ''
    UNION ALL
    SELECT DISTINCT t.token, 't' AS kind, p.id AS person_id
    FROM people p, unnest(regexp_split_to_array(lower(p.job_title), '[^\pL\pN]+')) AS t(token)
    WHERE p.job_title IS NOT NULL AND t.token <> ''
) ORDER BY token, person_id;

INSERT INTO person_search_index_state
SELECT 1, count(*), max(id), max(updated_at) FROM people;
