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
