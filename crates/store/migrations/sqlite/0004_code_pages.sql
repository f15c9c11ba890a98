-- The distinct pages of an app's unlimited codes are capped (getwxacodeunlimit with
-- check_path false): finding whether a page is already used must not scan every code.
CREATE INDEX codes_by_app_kind_page ON codes (app_id, kind, page);
