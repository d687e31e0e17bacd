import { Naming, PropType, ResourceKind, Validate } from '@lakehouse-cdk/core';
import { Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { boundedPoll, failureState, pollCount, validateStepName } from './bounded-poll';
import { GLUE_TRANSIENT_ERRORS } from './retry';
import type { CrawlStepOptions, IPipelineStep, PipelineStepConfig, PipelineStepContext } from '../pipeline-step';

/** The error of a crawler still running after the crawl step's timeout. */
export const CRAWLER_TIMEOUT_ERROR = 'Lakehouse.CrawlerTimeout';
/** The error of a crawl that ended in any status but SUCCEEDED. */
export const CRAWL_FAILED_ERROR = 'Lakehouse.CrawlFailed';
/** The error StartCrawler raises when the crawler is already running, as Step Functions names it. */
export const CRAWLER_RUNNING_ERROR = 'Glue.CrawlerRunningException';
/** The LastCrawl status of a crawl that succeeded. */
export const SUCCEEDED_CRAWL_STATUS = 'SUCCEEDED';

export const DEFAULT_CRAWL_POLL_INTERVAL = Duration.seconds(30);
export const DEFAULT_CRAWL_TIMEOUT = Duration.minutes(30);

/**
 * Start<Name>Crawler and the bounded poll WaitFor<Name>Crawler: Wait → count
 * the poll → GetCrawler (state only) → Choice. When the crawler is READY, a
 * second GetCrawler reads the last crawl's status, which is SUCCEEDED or
 * fails the run.
 */
export class CrawlStep implements IPipelineStep {
  public readonly name: string;

  constructor(private readonly options: CrawlStepOptions) {
    Validate.propTypes(options, { crawlerName: PropType.STRING, name: PropType.STRING, pollInterval: PropType.DURATION, timeout: PropType.DURATION }, ['crawlerName', 'name']);
    this.name = options.name;
  }

  public bind(scope: Construct, context: PipelineStepContext): PipelineStepConfig {
    const { name, crawlerName } = this.options;
    validateStepName('name', name, scope);
    const rules = Naming.rulesFor(ResourceKind.GLUE_CRAWLER);
    Validate.length('crawlerName', crawlerName, rules.minLength, rules.maxLength, scope);
    Validate.matches('crawlerName', crawlerName, rules.pattern, `must be a Glue crawler name (${rules.description})`, scope);
    const pollInterval = this.options.pollInterval ?? DEFAULT_CRAWL_POLL_INTERVAL;
    const timeout = this.options.timeout ?? DEFAULT_CRAWL_TIMEOUT;
    const maxPolls = pollCount('pollInterval', pollInterval, 'timeout', timeout, scope);

    const statePath = `$.${snakeCase(name)}_crawler`;
    const crawlerArn = Stack.of(scope).formatArn({ service: 'glue', resource: 'crawler', resourceName: crawlerName });
    const waitState = `WaitFor${name}Crawler`;

    const start = new tasks.CallAwsService(scope, `Start${name}Crawler`, {
      comment: `Starts the crawler ${crawlerName}`,
      service: 'glue',
      action: 'startCrawler',
      iamAction: 'glue:StartCrawler',
      iamResources: [crawlerArn],
      parameters: { Name: crawlerName },
      // StartCrawler returns nothing useful; its result starts the poll counter.
      resultSelector: { polls: 0 },
      resultPath: statePath,
    });
    const alreadyRunning = new sfn.Pass(scope, `${name}CrawlerAlreadyRunning`, {
      comment: 'The crawler was already running: wait for that crawl instead of failing',
      result: sfn.Result.fromObject({ polls: 0 }),
      resultPath: statePath,
    });

    // Each read keeps one field: the whole GetCrawler response has timestamps and can be large.
    const getCrawler = (id: string, selector: Record<string, string>, resultPath: string, comment?: string) =>
      new tasks.CallAwsService(scope, id, {
        comment,
        service: 'glue',
        action: 'getCrawler',
        iamAction: 'glue:GetCrawler',
        iamResources: [crawlerArn],
        parameters: { Name: crawlerName },
        resultSelector: selector,
        resultPath,
      });
    const getState = getCrawler(`Get${name}CrawlerState`, { 'State.$': '$.Crawler.State' }, `${statePath}.crawler`,
      'Reads only the crawler state: the whole response has timestamps and can be large');
    // LastCrawl is absent until a crawler's first crawl ends, and a ResultSelector
    // path that does not exist fails the task. So the crawl's status is read only
    // once the crawler is READY again, when the crawl just waited for is the last one.
    const getResult = getCrawler(`Get${name}CrawlResult`, { 'Status.$': '$.Crawler.LastCrawl.Status' }, `${statePath}.last_crawl`);

    const crawlFailed = failureState(scope, `${name}CrawlFailed`, {
      error: CRAWL_FAILED_ERROR,
      causeFormat: `Glue crawler ${crawlerName} ended its last crawl with status {}; its log stream in /aws-glue/crawlers says why`,
      causeArgs: [`${statePath}.last_crawl.Status`],
      failedState: waitState,
      failurePath: context.failurePath,
      next: context.recordFailure,
    });
    const timedOut = failureState(scope, `${name}CrawlerTimedOut`, {
      error: CRAWLER_TIMEOUT_ERROR,
      causeFormat: `Glue crawler ${crawlerName} was still running after {} polls, ${pollInterval.toSeconds({ integral: false })} seconds apart`,
      causeArgs: [`${statePath}.polls`],
      failedState: waitState,
      failurePath: context.failurePath,
      next: context.recordFailure,
    });

    const wait = boundedPoll(scope, {
      subject: `${name}Crawler`,
      statePath,
      interval: pollInterval,
      maxPolls,
      poll: getState,
      choiceId: `Is${name}CrawlerReady`,
      outcomes: [{ condition: sfn.Condition.stringEquals(`${statePath}.crawler.State`, 'READY'), next: getResult }],
      timedOut,
    });
    const checkResult = new sfn.Choice(scope, `Check${name}CrawlResult`)
      .when(sfn.Condition.stringEquals(`${statePath}.last_crawl.Status`, SUCCEEDED_CRAWL_STATUS), context.next)
      .otherwise(crawlFailed);
    getResult.next(checkResult);

    start.addCatch(alreadyRunning, { errors: [CRAWLER_RUNNING_ERROR], resultPath: sfn.JsonPath.DISCARD });
    start.next(wait);
    alreadyRunning.next(wait);

    return {
      start,
      tasks: [start, getState, getResult].map(task => ({ task, transientErrors: GLUE_TRANSIENT_ERRORS })),
      maxDuration: Duration.seconds(maxPolls * pollInterval.toSeconds()),
    };
  }
}

/** `RawEvents` → `raw_events`. */
export function snakeCase(word: string): string {
  return word.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
