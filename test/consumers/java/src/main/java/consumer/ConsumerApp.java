package consumer;

import io.github.lakehousecdk.catalog.LakehouseCatalog;
import io.github.lakehousecdk.core.DataLayers;
import io.github.lakehousecdk.core.Naming;
import io.github.lakehousecdk.storage.DataLakeStorage;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** A Java CDK app on the core, storage and catalog layers. Usage: ConsumerApp <outdir> */
public final class ConsumerApp {
    private ConsumerApp() {
    }

    public static void main(final String[] args) {
        App app = new App(AppProps.builder().outdir(args[0]).build());
        Stack stack = new Stack(app, "Lake", StackProps.builder()
                .env(Environment.builder().account("123456789012").region("eu-west-1").build())
                .build());
        Naming naming = Naming.Builder.create().project("consumer").environment("java").build();
        DataLakeStorage storage = DataLakeStorage.Builder.create(stack, "Storage")
                .naming(naming)
                .rawInfrequentAccessAfter(Duration.days(45))
                .build();
        LakehouseCatalog.Builder.create(stack, "Catalog")
                .naming(naming)
                .bucket(storage.getBucket())
                .encryptionKey(storage.getEncryptionKey())
                .build();
        app.synth();

        Template template = Template.fromStack(stack);
        // The data lake: a rotating customer key, the Naming bucket name, and the raw layer's tiering.
        template.hasResourceProperties("AWS::KMS::Key", Map.of("EnableKeyRotation", true));
        Object encryptedWithTheLakeKey = Map.of("ServerSideEncryptionConfiguration", List.of(Match.objectLike(Map.of(
                "ServerSideEncryptionByDefault", Map.of(
                        "SSEAlgorithm", "aws:kms",
                        "KMSMasterKeyID", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("^StorageKey.*"), "Arn")))))));
        Object rawToStandardIa = Match.objectLike(Map.of(
                "Prefix", "raw/",
                "Transitions", Match.arrayWith(List.of(Map.of("StorageClass", "STANDARD_IA", "TransitionInDays", 45)))));
        template.hasResourceProperties("AWS::S3::Bucket", Map.of(
                "BucketName", "consumer-java-data-lake-123456789012-eu-west-1",
                "BucketEncryption", encryptedWithTheLakeKey,
                "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(rawToStandardIa)))));
        // The catalog: one database and one crawler per layer, encrypted with the lake's key.
        template.resourceCountIs("AWS::Glue::Database", 1);
        template.resourceCountIs("AWS::Glue::Crawler", DataLayers.ALL.size());
        template.hasResourceProperties("AWS::Glue::SecurityConfiguration", Match.objectLike(Map.of(
                "EncryptionConfiguration", Match.objectLike(Map.of(
                        "S3Encryptions", List.of(Map.of("S3EncryptionMode", "SSE-KMS", "KmsKeyArn", Match.anyValue())))))));
        System.out.println("java consumer: " + stack.getStackName()
                + " synthesized; customer key, lifecycle rules, catalog database and crawlers as expected");
    }
}
