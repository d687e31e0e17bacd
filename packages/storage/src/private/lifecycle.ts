import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** S3 lifecycle day counts are 32-bit integers; 100 years is a practical ceiling. */
export const MAX_LIFECYCLE_DAYS = 36500;

/**
 * Incomplete multipart uploads are invisible in listings but billed as
 * storage; a week is longer than any Athena or dbt write takes.
 */
export const ABORT_INCOMPLETE_UPLOADS_AFTER = Duration.days(7);

/** The rules every lakehouse bucket shares: tidy up noncurrent versions and failed uploads. */
export function housekeepingRule(noncurrentExpiration: Duration, noncurrentTransition?: s3.NoncurrentVersionTransition): s3.LifecycleRule {
  return {
    id: 'noncurrent-versions-and-incomplete-uploads',
    abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER,
    noncurrentVersionTransitions: noncurrentTransition ? [noncurrentTransition] : undefined,
    noncurrentVersionExpiration: noncurrentExpiration,
    // Once the noncurrent versions have expired, the lone delete marker left behind is only clutter.
    expiredObjectDeleteMarker: true,
  };
}

/**
 * Days a query result is kept once it is noncurrent. The bucket is versioned,
 * so an expired result only becomes a noncurrent version; without its own
 * noncurrent expiry it would fall under the bucket-wide housekeeping rule,
 * move to Glacier Instant Retrieval (billed for at least 90 days) and stay
 * for a year. One day is the shortest S3 allows, and it is never later than
 * the bucket-wide noncurrent transition (at least one day): when both are
 * due on the same day S3 deletes rather than transitions, so a result never
 * reaches Glacier Instant Retrieval.
 */
export const QUERY_RESULTS_NONCURRENT_EXPIRATION = Duration.days(1);

/** The rule that makes Athena query results really disappear after `retention`. */
export function queryResultsRule(prefix: string, retention: Duration): s3.LifecycleRule {
  return {
    id: 'query-results-expiry',
    prefix,
    expiration: retention,
    noncurrentVersionExpiration: QUERY_RESULTS_NONCURRENT_EXPIRATION,
  };
}
