-- Full text at an archive's size (bench/search.ts: 10^6 items, 2 x 10^6 recognised pages). With pairs alone, a query
-- of three or more characters was a phrase of pairs that are each on most pages (保险, 12, 23: forms, ID numbers and
-- dates), so the index handed back nearly every page and each was read again for the pairs' positions: 2-12 s for a
-- phrase found on a few per cent of pages. A page's text is now indexed as its character pairs and its character
-- triples, each at the position of its first character. A query of two characters is one pair and of three one
-- triple, each matched by the index alone; a longer one is a phrase of triples a few characters apart, whose index
-- entries are about as many as the phrase's matches.
CREATE FUNCTION lantai_page_grams(t text) RETURNS tsvector IMMUTABLE PARALLEL SAFE LANGUAGE sql
AS $$
  SELECT CASE WHEN length(s) < 3 THEN public.lantai_bigrams(s)
    ELSE (SELECT string_agg(g, ' ')::tsvector FROM (
            SELECT m[1] || ':' || (2 * o - 1) AS g FROM regexp_matches(s, '..', 'g') WITH ORDINALITY a(m, o)
            UNION ALL
            SELECT m[1] || ':' || (2 * o) FROM regexp_matches(substr(s, 2), '..', 'g') WITH ORDINALITY b(m, o)
            UNION ALL
            SELECT m[1] || ':' || (3 * o - 2) FROM regexp_matches(s, '...', 'g') WITH ORDINALITY c(m, o)
            UNION ALL
            SELECT m[1] || ':' || (3 * o - 1) FROM regexp_matches(substr(s, 2), '...', 'g') WITH ORDINALITY d(m, o)
            UNION ALL
            SELECT m[1] || ':' || (3 * o) FROM regexp_matches(substr(s, 3), '...', 'g') WITH ORDINALITY e(m, o)) p) END
  FROM (SELECT public.lantai_search_chars(coalesce(t, '')) AS s) n
$$;

-- The query for one term of the text: two characters are their pair, more are triples starting every third character
-- and one ending at the last, each at its distance from the one before (<3>, and less for the last).
CREATE FUNCTION lantai_page_query(q text) RETURNS tsquery IMMUTABLE PARALLEL SAFE LANGUAGE sql
AS $$
  SELECT CASE WHEN length(s) < 3 THEN public.lantai_bigram_query(s)
    ELSE (SELECT string_agg(CASE WHEN k = 1 THEN '' ELSE ' <' || (i - prev) || '> ' END || substr(s, i, 3), '' ORDER BY i)::tsquery
          FROM (SELECT i, lag(i) OVER (ORDER BY i) AS prev, row_number() OVER (ORDER BY i) AS k
                FROM (SELECT DISTINCT i FROM (SELECT generate_series(1, length(s) - 2, 3) AS i
                                              UNION ALL SELECT length(s) - 2) a) b) c) END
  FROM (SELECT public.lantai_search_chars(coalesce(q, '')) AS s) n
$$;

-- Rewrites page_text once (about 3 min per million pages on 2 cores) and builds its index anew.
DROP INDEX "page_text_tokens_idx";
ALTER TABLE "page_text" DROP COLUMN "tokens";
ALTER TABLE "page_text" ADD COLUMN "tokens" tsvector GENERATED ALWAYS AS (lantai_page_grams("text")) STORED;
CREATE INDEX "page_text_tokens_idx" ON "page_text" USING gin ("tokens");

-- Browsing by business type and years (with fonds, state and level): counted from the index alone, 10,000 matches
-- in 3 ms at 10^6 items where the table was read in 370 ms.
CREATE INDEX "item_business_type_year_idx" ON "item" ("business_type_id", "year")
  INCLUDE ("fonds_id", "lifecycle_state", "security_level");
