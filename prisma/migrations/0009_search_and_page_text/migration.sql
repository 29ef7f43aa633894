-- Search (检索). Chinese has no spaces between words and a person's name is mostly 2 or 3 characters, so text is
-- indexed as overlapping character pairs (bigrams) with their positions: a query of n >= 2 characters becomes the
-- phrase of its n - 1 pairs, which matches exactly where the query stands in the text, whatever the words. Text is
-- normalised first: lower case, and nothing but digits, Latin letters and CJK ideographs kept (spaces, punctuation
-- and line breaks dropped, so a phrase matches across them). The same functions build the index and the query.
CREATE FUNCTION lantai_search_chars(t text) RETURNS text IMMUTABLE STRICT PARALLEL SAFE LANGUAGE sql
AS $$ SELECT regexp_replace(lower(t), '[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+', '', 'g') $$;

-- Functions call each other by qualified name: pg_dump restores with an empty search_path.
-- Two passes of '..' give the pairs at odd and at even positions: linear in the text's length, where substr() on
-- UTF-8 text or subscripts of a text[] would be quadratic. tsvector positions stop at 16383: a page holds far less.
CREATE FUNCTION lantai_bigrams(t text) RETURNS tsvector IMMUTABLE PARALLEL SAFE LANGUAGE sql
AS $$
  SELECT CASE WHEN length(s) < 2 THEN coalesce(nullif(s, '') || ':1', '')::tsvector
    ELSE (SELECT string_agg(g, ' ')::tsvector FROM (
            SELECT m[1] || ':' || (2 * o - 1) AS g FROM regexp_matches(s, '..', 'g') WITH ORDINALITY a(m, o)
            UNION ALL
            SELECT m[1] || ':' || (2 * o) FROM regexp_matches(substr(s, 2), '..', 'g') WITH ORDINALITY b(m, o)) p) END
  FROM (SELECT public.lantai_search_chars(coalesce(t, '')) AS s) n
$$;

-- The query for one term: its pairs in a row, each restricted to a weight when one is given (A person name,
-- B employer name, C title); a single character matches as the first of a pair. NULL when nothing is left to find.
CREATE FUNCTION lantai_bigram_query(q text, weight text DEFAULT '') RETURNS tsquery IMMUTABLE PARALLEL SAFE LANGUAGE sql
AS $$
  SELECT CASE WHEN length(s) = 0 THEN NULL
              WHEN length(s) = 1 THEN (s || ':*' || weight)::tsquery
              ELSE (SELECT string_agg(substr(s, i, 2) || CASE WHEN weight = '' THEN '' ELSE ':' || weight END, ' <-> ' ORDER BY i)::tsquery
                    FROM generate_series(1, length(s) - 1) i) END
  FROM (SELECT public.lantai_search_chars(coalesce(q, '')) AS s) n
$$;

-- Each item's names and title, kept by PostgreSQL itself on every write, whatever path registered the item.
-- Adding a stored generated column rewrites the table once: about a minute per million items.
ALTER TABLE "item" ADD COLUMN "search_tokens" tsvector GENERATED ALWAYS AS (
  setweight(lantai_bigrams("person_name"), 'A') || setweight(lantai_bigrams("employer_name"), 'B') ||
  setweight(lantai_bigrams("title"), 'C')) STORED;
CREATE INDEX "item_search_tokens_idx" ON "item" USING gin ("search_tokens");
-- Exact lookups that do not name the fonds, and a surname typed alone (LIKE '王%').
CREATE INDEX "item_archival_code_idx" ON "item" ("archival_code");
CREATE INDEX "item_case_number_idx" ON "item" ("case_number");
CREATE INDEX "item_employer_credit_code_idx" ON "item" ("employer_credit_code");
CREATE INDEX "item_person_name_idx" ON "item" ("person_name" text_pattern_ops);
-- The default order of a search: the most recently handled first.
CREATE INDEX "item_handled_on_id_idx" ON "item" ("handled_on" DESC, "id" DESC);

-- 全文识别: the text OCR read on a page, with each line's confidence and box, and the engine that read it. One row
-- per page, written once when the page is recognised (again only if it is recognised anew).
CREATE TABLE "page_text" (
  "page_id" UUID NOT NULL REFERENCES "page"("id"),
  "item_id" UUID NOT NULL REFERENCES "item"("id"),
  "engine" TEXT NOT NULL,
  "text" TEXT NOT NULL,
  -- [{text, confidence, box: [[x, y] × 4]}] in reading order; box in pixels of the stored image.
  "lines" JSONB NOT NULL,
  "confidence" REAL,
  "milliseconds" INTEGER,
  "recognised_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "tokens" tsvector GENERATED ALWAYS AS (lantai_bigrams("text")) STORED,
  CONSTRAINT "page_text_pkey" PRIMARY KEY ("page_id")
);
CREATE INDEX "page_text_item_id_idx" ON "page_text" ("item_id");
CREATE INDEX "page_text_tokens_idx" ON "page_text" USING gin ("tokens");
