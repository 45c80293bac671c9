-- The application settings page counts, per global key, the properties that override it.
CREATE INDEX property_settings_by_key ON property_settings (key);
