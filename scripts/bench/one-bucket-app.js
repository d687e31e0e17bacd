// The smallest useful CDK app, synthesized the same way as the sandbox, so the
// benchmark can report the sandbox's synth time as a ratio to this baseline.
const { App, Stack } = require('aws-cdk-lib');
const s3 = require('aws-cdk-lib/aws-s3');

const app = new App();
new s3.Bucket(new Stack(app, 'OneBucket'), 'Bucket');
app.synth();
