-- A person's language is one of those orcidlink speaks (package i18n,
-- ORCID's twelve site languages), the same rule for every door
-- (store.CheckPerson, issue 15). The REST API used to accept any tag:
-- one that names no language orcidlink speaks ("de") becomes "" (the
-- tenant's default, which is what researchers were shown anyway), so
-- that the person's next change is not refused for a field it does not
-- touch. Other spellings of a spoken language ("pt-BR", "zh-CN") are
-- kept: the store normalises them on the next write. Written once for
-- both engines.

-- +goose Up
UPDATE people SET language = ''
WHERE language <> '' AND NOT (
	lower(replace(trim(language), '_', '-')) IN ('ar', 'cs', 'en', 'es', 'fr', 'it', 'ja', 'ko', 'pt', 'ru', 'zh')
	OR lower(replace(trim(language), '_', '-')) LIKE 'ar-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'cs-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'en-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'es-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'fr-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'it-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'ja-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'ko-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'pt-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'ru-%'
	OR lower(replace(trim(language), '_', '-')) LIKE 'zh-%'
);

-- +goose Down
-- Nothing to undo: the languages cleared named none orcidlink speaks.
SELECT 1;
