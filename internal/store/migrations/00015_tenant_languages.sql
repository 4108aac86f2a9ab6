-- Researcher pages and emails in ORCID's twelve site languages (issue 15).
-- A tenant chooses which it offers (tenants.languages, the codes of
-- package i18n, comma-separated); a new tenant offers all of them. A
-- tenant that offered every language orcidlink spoke until now (English,
-- Spanish and French) offered "all of them", and keeps doing so; a tenant
-- that chose fewer keeps its choice. Tags stored otherwise ("pt-BR") are
-- read as i18n's codes by the store. Written once for both engines.

-- +goose Up
UPDATE tenants SET languages = 'ar,cs,en,es,fr,it,ja,ko,pt,ru,zh_CN,zh_TW' WHERE languages IN ('en,es,fr', '');

-- +goose Down
-- Back to the three languages of before for tenants that offer more:
-- older versions cannot show the others.
UPDATE tenants SET languages = 'en,es,fr' WHERE languages = 'ar,cs,en,es,fr,it,ja,ko,pt,ru,zh_CN,zh_TW';
UPDATE tenants SET default_language = 'en' WHERE default_language NOT IN ('en', 'es', 'fr');
