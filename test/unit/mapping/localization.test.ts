import { mapCategory, mapProduct } from '../../../src/mapping';
import type { OcctooEntity } from '../../../src/occtoo/types';
import { attribute, category, occtooProblems, product, settings, SWEDISH_PASS } from './fixtures';

const GERMAN_DEFAULT = { language: 'de', isDefault: true };

const p = product({
  id: 'p1',
  name: 'Schuh',
  number: 'SKU-1',
  description: 'Ein Schuh',
  labels: ['neu'],
  attributes: [
    attribute({
      id: 'a1',
      number: 'color',
      dataType: 'single_select',
      select: [{ id: 'o', number: 'RED', value: 'Rot' }],
    }),
    attribute({ id: 'a2', number: 'material', values: ['Leder'] }),
    attribute({ id: 'a3', number: 'Größe', values: ['42'] }),
  ],
  relations: [{ id: 'r1', number: 'similar', productId: 'p2' }],
});

const s = settings({ localizedProductProperties: ['Name', 'color', 'Größe', 'relation-similar'] });

function props(entity: OcctooEntity | undefined) {
  expect(entity).toBeDefined();
  expect(occtooProblems(entity!)).toEqual([]);
  return entity!.properties;
}

describe('localization', () => {
  it('default pass: non-localized properties without a language, localized ones with the default language', () => {
    const out = props(mapProduct(p, GERMAN_DEFAULT, s).entity);
    const lang = Object.fromEntries(out.map((x) => [x.id, x.language ?? null]));
    expect(lang).toMatchObject({
      Id: null,
      Number: null,
      Description: null,
      Labels: null,
      material: null,
      Name: 'de',
      color: 'de',
      colorKey: 'de',
      'relation-similar': 'de',
    });
    // Nothing assumes English: no property is tagged `en` when the default context is German.
    expect(out.some((x) => x.language === 'en')).toBe(false);
    expect(out.find((x) => x.id.startsWith('Grosse-'))?.language).toBe('de');
  });

  it('additional pass: only the localized properties, each with the pass language', () => {
    const sv = { ...p, name: 'Sko', attributes: p.attributes.map((a) => ({ ...a })) };
    sv.attributes[0].select = [{ id: 'o', number: 'RED', value: 'Röd' }];
    const out = props(mapProduct(sv, SWEDISH_PASS, s).entity);
    expect(out.map((x) => [x.id.replace(/-[0-9a-f]{8}$/, '-#'), x.value, x.language])).toEqual([
      ['Name', 'Sko', 'sv'],
      ['relation-similar', 'p2', 'sv'],
      ['color', 'Röd', 'sv'],
      ['colorKey', 'RED', 'sv'],
      ['Grosse-#', '42', 'sv'],
    ]);
  });

  it('a property keeps its id in every pass, so languages merge onto the same property', () => {
    const hostile = product({ attributes: [attribute({ id: 'h', number: 'Name', values: ['n'] })] });
    const local = settings({ localizedProductProperties: ['Name'] });
    const first = mapProduct(hostile, GERMAN_DEFAULT, local).entity!.properties.map((x) => x.id);
    const second = mapProduct(hostile, SWEDISH_PASS, local).entity!.properties.map((x) => x.id);
    expect(first).toContain('attr-Name');
    expect(second).toEqual(['attr-Name']);
  });

  it('matches names exactly and case-sensitively (no substring matches)', () => {
    const tricky = settings({ localizedProductProperties: ['Names', 'description', 'colo', 'Material'] });
    const additional = mapProduct(p, SWEDISH_PASS, tricky);
    expect(additional.entity).toBeUndefined();
    expect(additional.setAside).toBeUndefined();
    const out = props(mapProduct(p, GERMAN_DEFAULT, tricky).entity);
    expect(out.every((x) => x.language === undefined)).toBe(true);
  });

  it('matches attributes by their raw number, before sanitizing', () => {
    const bySanitized = settings({ localizedProductProperties: ['Grosse'] });
    expect(mapProduct(p, SWEDISH_PASS, bySanitized).entity).toBeUndefined();
  });

  it('matches an attribute without a number by its id', () => {
    const noNumber = product({
      attributes: [attribute({ id: 'attr-77', number: undefined, values: ['v'] })],
    });
    const out = mapProduct(
      noNumber,
      SWEDISH_PASS,
      settings({ localizedProductProperties: ['attr-77'] }),
    ).entity;
    expect(out?.properties).toEqual([{ id: 'attr-77', value: 'v', language: 'sv' }]);
  });

  it('the {number}Key of a select follows its value: listing only the Key localizes nothing', () => {
    const onlyKey = settings({ localizedProductProperties: ['colorKey'] });
    expect(mapProduct(p, SWEDISH_PASS, onlyKey).entity).toBeUndefined();
  });

  it('an additional pass reports no relation warnings for relations it does not send', () => {
    const numberMode = settings({ productKey: 'number', localizedProductProperties: ['Name'] });
    const result = mapProduct(p, SWEDISH_PASS, numberMode, { relatedKeys: new Map() });
    expect(result.warnings).toEqual([]);
    expect(mapProduct(p, GERMAN_DEFAULT, numberMode, { relatedKeys: new Map() }).warnings).toHaveLength(1);
  });

  it('categories follow LOCALIZED_PROPERTIES_CATEGORY, not the product list', () => {
    const c = category({ id: 'c1', name: 'Schuhe', description: 'Alle Schuhe', number: 'C-1' });
    const cs = settings({
      localizedProductProperties: ['Number'],
      localizedCategoryProperties: ['Description'],
    });
    expect(props(mapCategory(c, SWEDISH_PASS, cs).entity)).toEqual([
      { id: 'Description', value: 'Alle Schuhe', language: 'sv' },
    ]);
    const defaults = props(mapCategory(c, GERMAN_DEFAULT, cs).entity);
    expect(defaults.find((x) => x.id === 'Number')).toEqual({ id: 'Number', value: 'C-1' });
    expect(defaults.find((x) => x.id === 'Name')).toEqual({ id: 'Name', value: 'Schuhe' });
  });

  it('rejects an invalid pass language with a message saying what to fix', () => {
    expect(() => mapProduct(p, { language: 'e', isDefault: true }, s)).toThrow(/BLUESTONE_DEFAULT_CONTEXT/);
  });
});
