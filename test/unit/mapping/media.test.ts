import {
  mapCategory,
  mapMediaAsset,
  mapProduct,
  mediaAssetsOf,
  mediaUniqueIdentifier,
  sanitizeKey,
  type OcctooFile,
} from '../../../src/mapping';
import { OCCTOO_ID_PATTERN } from '../../../src/occtoo/types';
import {
  asset,
  attribute,
  category,
  DEFAULT_PASS,
  hostileString,
  idsOf,
  occtooProblems,
  product,
  prng,
  settings,
  SWEDISH_PASS,
  valueOf,
} from './fixtures';

const front = asset({ id: 'm1', labels: ['Main', 'Front'] });
const back = asset({
  id: 'm2',
  number: undefined,
  name: 'Back',
  downloadUri: 'https://media.example.com/org/m2',
  previewUri: 'https://media.example.com/org/m2?f=jpg&w=400',
  labels: [],
  attributes: [attribute({ id: 'alt', number: 'AltText', values: ['Back view'] })],
});
const withMedia = product({ id: 'p1', media: [front, back] });

describe('HANDLE_MEDIA=ignore', () => {
  it('sends no media entities and no media properties at all, not even Thumbnail', () => {
    const result = mapProduct(withMedia, DEFAULT_PASS, settings({ handleMedia: 'ignore' }));
    expect(result.media).toEqual([]);
    expect(idsOf(result.entity)).not.toContain('Media');
    expect(idsOf(result.entity)).not.toContain('Thumbnail');
    expect(result.warnings).toEqual([]);
    expect(mapMediaAsset(front, settings({ handleMedia: 'ignore' })).entity).toBeUndefined();
  });
});

describe('HANDLE_MEDIA=bluestone', () => {
  const s = settings({ handleMedia: 'bluestone' });

  it('one media entity per asset, keyed by the asset id, with Bluestone URLs', () => {
    const result = mapProduct(withMedia, DEFAULT_PASS, s);
    expect(result.media.map((m) => m.key)).toEqual(['m1', 'm2']);
    expect(result.media[0].properties).toEqual([
      { id: 'Id', value: 'm1' },
      { id: 'Number', value: 'M-1' },
      { id: 'Name', value: 'Front' },
      { id: 'FileName', value: 'front.png' },
      { id: 'ContentType', value: 'image/png' },
      { id: 'Url', value: 'https://media.example.com/org/m1' },
      { id: 'PreviewUrl', value: 'https://media.example.com/org/m1?f=jpg&w=400' },
      { id: 'Thumbnail', value: 'https://media.example.com/org/m1?f=jpg&w=400' },
      { id: 'Labels', value: 'Main|Front' },
      { id: 'CreatedAt', value: '2024-01-02T03:04:05.000Z' },
      { id: 'UpdatedAt', value: '2024-06-06T07:08:09.000Z' },
    ]);
    expect(valueOf(result.media[1], 'AltText')).toBe('Back view');
    for (const m of result.media) expect(occtooProblems(m)).toEqual([]);
  });

  it('the product lists its asset keys in Media and shows the first asset’s preview as Thumbnail', () => {
    const { entity } = mapProduct(withMedia, DEFAULT_PASS, s);
    expect(valueOf(entity, 'Media')).toBe('m1|m2');
    expect(valueOf(entity, 'Thumbnail')).toBe('https://media.example.com/org/m1?f=jpg&w=400');
  });

  it('sanitizes a hostile asset id the same way in the entity key and in the product’s Media', () => {
    const odd = asset({ id: 'asset/with spaces' });
    const result = mapProduct(product({ media: [odd] }), DEFAULT_PASS, s);
    expect(result.media[0].key).toBe(sanitizeKey('asset/with spaces'));
    expect(valueOf(result.entity, 'Media')).toBe(result.media[0].key);
    expect(valueOf(result.media[0], 'Id')).toBe('asset/with spaces');
  });

  it('media entities are produced in the default pass only, and never carry a language', () => {
    const local = settings({ localizedProductProperties: ['Name', 'AltText'] });
    expect(mapProduct(withMedia, SWEDISH_PASS, local).media).toEqual([]);
    const media = mapProduct(withMedia, DEFAULT_PASS, local).media;
    expect(media.flatMap((m) => m.properties).every((p) => p.language === undefined)).toBe(true);
  });

  it('an asset listed twice becomes one entity and one Media entry', () => {
    const result = mapProduct(product({ media: [front, front, back] }), DEFAULT_PASS, s);
    expect(result.media.map((m) => m.key)).toEqual(['m1', 'm2']);
    expect(valueOf(result.entity, 'Media')).toBe('m1|m2');
    expect(mediaAssetsOf(product({ media: [front, back, front] })).map((a) => a.id)).toEqual(['m1', 'm2']);
  });

  it('no Thumbnail when the first asset has no preview URL; missing fields are omitted', () => {
    const bare = asset({
      id: 'm3',
      previewUri: undefined,
      name: undefined,
      createdAt: undefined,
      number: undefined,
    });
    const result = mapProduct(product({ media: [bare] }), DEFAULT_PASS, s);
    expect(idsOf(result.entity)).not.toContain('Thumbnail');
    for (const id of ['PreviewUrl', 'Thumbnail', 'Name', 'CreatedAt', 'Number']) {
      expect(idsOf(result.media[0])).not.toContain(id);
    }
    expect(valueOf(result.media[0], 'Url')).toBe(bare.downloadUri);
  });

  it('an asset with an empty id is left out and reported', () => {
    const result = mapProduct(product({ media: [asset({ id: '' }), front] }), DEFAULT_PASS, s);
    expect(result.media.map((m) => m.key)).toEqual(['m1']);
    expect(valueOf(result.entity, 'Media')).toBe('m1');
    expect(result.warnings).toEqual([expect.stringContaining('empty id')]);
  });

  it('asset attributes that collide with media built-ins are renamed', () => {
    const a = asset({ attributes: [attribute({ id: 'u', number: 'Url', values: ['not the url'] })] });
    const entity = mapMediaAsset(a, s).entity;
    expect(valueOf(entity, 'Url')).toBe(a.downloadUri);
    expect(valueOf(entity, 'attr-Url')).toBe('not the url');
  });
});

describe('HANDLE_MEDIA=occtoo', () => {
  const s = settings({ handleMedia: 'occtoo' });
  const files = new Map<string, OcctooFile>([
    ['m1', { id: 'file-1', publicUrl: 'https://cdn.occtoo.com/t/file-1.png' }],
    ['m2', { id: 'file-2', publicUrl: 'https://cdn.occtoo.com/t/file-2.png?v=3' }],
  ]);

  it('media entities carry Occtoo’s public URL and file id; thumbnails use ?impolicy=small', () => {
    const result = mapProduct(withMedia, DEFAULT_PASS, s, { occtooFiles: files });
    const [m1, m2] = result.media;
    expect(m1.key).toBe('m1');
    expect(valueOf(m1, 'Url')).toBe('https://cdn.occtoo.com/t/file-1.png');
    expect(valueOf(m1, 'PreviewUrl')).toBe('https://cdn.occtoo.com/t/file-1.png');
    expect(valueOf(m1, 'Thumbnail')).toBe('https://cdn.occtoo.com/t/file-1.png?impolicy=small');
    expect(valueOf(m1, 'OcctooFileId')).toBe('file-1');
    // A public URL that already has a query string gets `&`, not a second `?`.
    expect(valueOf(m2, 'Thumbnail')).toBe('https://cdn.occtoo.com/t/file-2.png?v=3&impolicy=small');
    expect(valueOf(result.entity, 'Thumbnail')).toBe('https://cdn.occtoo.com/t/file-1.png?impolicy=small');
    expect(valueOf(result.entity, 'Media')).toBe('m1|m2');
    expect(JSON.stringify(result)).not.toContain('media.example.com');
  });

  it('an asset whose upload failed is left out and reported; the product still goes', () => {
    const onlySecond = new Map([['m2', files.get('m2')!]]);
    const result = mapProduct(withMedia, DEFAULT_PASS, s, { occtooFiles: onlySecond });
    expect(result.entity).toBeDefined();
    expect(result.media.map((m) => m.key)).toEqual(['m2']);
    expect(valueOf(result.entity, 'Media')).toBe('m2');
    expect(valueOf(result.entity, 'Thumbnail')).toBe(
      'https://cdn.occtoo.com/t/file-2.png?v=3&impolicy=small',
    );
    expect(result.warnings).toEqual([expect.stringMatching(/"m1".*no Occtoo file/)]);
  });

  it('with no uploads at all the product has no Media and no Thumbnail', () => {
    const result = mapProduct(withMedia, DEFAULT_PASS, s);
    expect(result.media).toEqual([]);
    expect(idsOf(result.entity)).not.toContain('Media');
    expect(idsOf(result.entity)).not.toContain('Thumbnail');
    expect(result.warnings).toHaveLength(2);
  });
});

describe('mediaUniqueIdentifier', () => {
  it('comes from the asset id and updatedAt, not from the URL', () => {
    const a = asset({ id: 'm1', updatedAt: 1700000000000 });
    expect(mediaUniqueIdentifier(a)).toBe('bluestone-m1-1700000000000');
    expect(mediaUniqueIdentifier({ ...a, downloadUri: 'https://elsewhere.example/x?y=z' })).toBe(
      mediaUniqueIdentifier(a),
    );
    expect(mediaUniqueIdentifier({ ...a, updatedAt: 1700000000001 })).not.toBe(mediaUniqueIdentifier(a));
    expect(mediaUniqueIdentifier({ ...a, updatedAt: undefined, createdAt: 5 })).toBe('bluestone-m1-5');
    expect(mediaUniqueIdentifier({ ...a, updatedAt: undefined, createdAt: undefined })).toBe(
      'bluestone-m1-0',
    );
  });

  it('is always made of allowed characters, and distinct for distinct assets', () => {
    const random = prng(7);
    const seen = new Map<string, string>();
    for (let i = 0; i < 1000; i++) {
      const id = hostileString(random) || 'x';
      const uid = mediaUniqueIdentifier(asset({ id, updatedAt: 1 }));
      expect(uid).toMatch(OCCTOO_ID_PATTERN);
      expect(seen.get(uid) ?? id).toBe(id);
      seen.set(uid, id);
    }
  });
});

describe('category media', () => {
  it('categories get Media, Thumbnail and media entities like products', () => {
    const c = category({ media: [front] });
    const result = mapCategory(c, DEFAULT_PASS, settings({ handleMedia: 'bluestone' }));
    expect(valueOf(result.entity, 'Media')).toBe('m1');
    expect(valueOf(result.entity, 'Thumbnail')).toBe(front.previewUri);
    expect(result.media.map((m) => m.key)).toEqual(['m1']);
    const ignored = mapCategory(c, DEFAULT_PASS, settings({ handleMedia: 'ignore' }));
    expect(idsOf(ignored.entity)).not.toContain('Thumbnail');
    expect(ignored.media).toEqual([]);
  });
});
