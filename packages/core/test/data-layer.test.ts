import { DataLayer, DataLayers } from '../src';

describe('DataLayers', () => {
  test('lists the layers in the order data flows', () => {
    expect(DataLayers.ALL).toEqual([DataLayer.RAW, DataLayer.PROCESSED, DataLayer.CURATED]);
  });

  test('each layer has its own prefix and id', () => {
    expect(DataLayers.ALL.map(DataLayers.prefix)).toEqual(['raw/', 'processed/', 'curated/']);
    expect(DataLayers.ALL.map(DataLayers.id)).toEqual(['raw', 'processed', 'curated']);
  });

  test.each([
    [DataLayer.RAW, 'raw/events/', true],
    [DataLayer.RAW, '/raw/events/', true],
    [DataLayer.RAW, 'raw/', true],
    [DataLayer.RAW, 'rawdata/', false],
    [DataLayer.RAW, 'processed/events/', false],
    [DataLayer.RAW, 'raw/../curated/', false],
    [DataLayer.CURATED, 'curated/./marts/', false],
  ])('contains(%s, %s) is %s', (layer, key, expected) => {
    expect(DataLayers.contains(layer, key)).toBe(expected);
  });
});
