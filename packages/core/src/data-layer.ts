/**
 * The three data layers of the lakehouse. Each one is a prefix in the
 * data-lake bucket and has a crawler of its own.
 */
export enum DataLayer {
  /** Data as it arrived from the sources. */
  RAW = 'raw',
  /** Cleaned, typed and deduplicated data. */
  PROCESSED = 'processed',
  /** Business-ready marts, written by dbt as Iceberg tables. */
  CURATED = 'curated',
}

/** Facts about the data layers that every package shares. */
export class DataLayers {
  /** Every layer, in the order data flows through them. */
  public static readonly ALL: DataLayer[] = [DataLayer.RAW, DataLayer.PROCESSED, DataLayer.CURATED];

  /** The S3 key prefix of a layer, with its trailing slash: `raw/`. */
  public static prefix(layer: DataLayer): string {
    return `${layer}/`;
  }

  /** The layer's name as used in resource names and tags: `raw`. */
  public static id(layer: DataLayer): string {
    return layer;
  }

  /** Whether `key` (an S3 key or key prefix) lies inside the layer's prefix. */
  public static contains(layer: DataLayer, key: string): boolean {
    const prefix = DataLayers.prefix(layer);
    const normalised = key.replace(/^\/+/, '');
    if (!normalised.startsWith(prefix)) return false;
    return !normalised.split('/').some(segment => segment === '..' || segment === '.');
  }

  private constructor() {}
}
