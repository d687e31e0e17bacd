// A Go CDK app on the core and storage modules that jsii-pacmak generated.
// Usage: go run . <outdir>
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/lakehouse-cdk/lakehouse-cdk-go/core"
	"github.com/lakehouse-cdk/lakehouse-cdk-go/storage"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go consumer: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(os.Args[1])})
	stack := awscdk.NewStack(app, jsii.String("Lake"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	lake := storage.NewDataLakeStorage(stack, jsii.String("Storage"), &storage.DataLakeStorageProps{
		Naming:                   core.NewNaming(&core.NamingProps{Project: jsii.String("consumer"), Environment: jsii.String("go")}),
		RawInfrequentAccessAfter: awscdk.Duration_Days(jsii.Number(45)),
	})
	analyst := awsiam.NewRole(stack, jsii.String("Analyst"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	lake.GrantReadLayer(analyst, core.DataLayer_CURATED)
	app.Synth(nil)

	template := assertions.Template_FromStack(stack, nil)
	template.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]interface{}{"EnableKeyRotation": true})

	// The template as plain JSON, read the way any Go program would.
	raw, err := json.Marshal(template.ToJSON())
	if err != nil {
		fail("template: %v", err)
	}
	var parsed struct {
		Resources map[string]struct {
			Type       string
			Properties json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &parsed); err != nil {
		fail("template: %v", err)
	}
	type transition struct {
		StorageClass     string
		TransitionInDays int
	}
	type bucket struct {
		BucketName       string
		BucketEncryption struct {
			ServerSideEncryptionConfiguration []struct {
				ServerSideEncryptionByDefault struct {
					SSEAlgorithm   string
					KMSMasterKeyID map[string][]string
				}
			}
		}
		LifecycleConfiguration struct {
			Rules []struct {
				Prefix      string
				Transitions []transition
			}
		}
	}
	var lakeBucket *bucket
	policies := ""
	for _, resource := range parsed.Resources {
		switch resource.Type {
		case "AWS::S3::Bucket":
			candidate := &bucket{}
			if err := json.Unmarshal(resource.Properties, candidate); err != nil {
				fail("bucket: %v", err)
			}
			if candidate.BucketName == "consumer-go-data-lake-123456789012-eu-west-1" {
				lakeBucket = candidate
			}
		case "AWS::IAM::Policy":
			policies += string(resource.Properties)
		}
	}
	if lakeBucket == nil {
		fail("no data-lake bucket named consumer-go-data-lake-123456789012-eu-west-1")
	}
	encryption := lakeBucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
	keyRef := encryption.KMSMasterKeyID["Fn::GetAtt"]
	if encryption.SSEAlgorithm != "aws:kms" || len(keyRef) != 2 || !strings.HasPrefix(keyRef[0], "StorageKey") || keyRef[1] != "Arn" {
		fail("the data lake is not encrypted with its customer key: %+v", encryption)
	}
	tiered := false
	for _, rule := range lakeBucket.LifecycleConfiguration.Rules {
		for _, t := range rule.Transitions {
			if rule.Prefix == "raw/" && t == (transition{"STANDARD_IA", 45}) {
				tiered = true
			}
		}
	}
	if !tiered {
		fail("no lifecycle rule moves raw/ to STANDARD_IA after 45 days: %+v", lakeBucket.LifecycleConfiguration.Rules)
	}
	if !strings.Contains(policies, "/curated/*") || strings.Contains(policies, "/raw/*") {
		fail("the grant must read the curated prefix only: %s", policies)
	}
	fmt.Printf("go consumer: %s synthesized; customer key, lifecycle rules and the curated grant as expected\n", *stack.StackName())
}
