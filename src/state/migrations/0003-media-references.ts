/**
 * Which media each recorded entity shows (issue #13): archiving a product deletes a media entity
 * (MEDIA_DELETE) only when no other recorded entity still shows it. NULL for rows recorded before
 * this migration (unknown until the entity is sent again); the GIN index serves "who else shows
 * these media keys" (`media_keys && $keys`).
 */
export const sql = `
ALTER TABLE sent_entities ADD COLUMN media_keys text[];
CREATE INDEX sent_entities_media_keys ON sent_entities USING GIN (media_keys);
`;
