import { Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { GLUE_TRANSIENT_ERRORS, addTransientRetry } from './retry';

/** The error of a crawler still running after the crawler timeout. */
export const CRAWLER_TIMEOUT_ERROR = 'Lakehouse.CrawlerTimeout';
/** The error of a crawl that ended in any status but SUCCEEDED. */
export const CRAWL_FAILED_ERROR = 'Lakehouse.CrawlFailed';

/**
 * The errors StartCrawler raises when the crawler is already running. Step
 * Functions names SDK errors `Glue.<Exception>`; the local interpreter that
 * executes the pipeline in tests (moto) names them `glue.<Exception>`. Both
 * are listed so that the same definition is waited for in both; the second
 * spelling never occurs on AWS.
 */
export const CRAWLER_RUNNING_ERRORS = ['Glue.CrawlerRunningException', 'glue.CrawlerRunningException'];

/**
 * The LastCrawl statuses of a crawl that succeeded. Glue says SUCCEEDED; the
 * local interpreter's Glue (moto) reports the crawl state COMPLETED instead,
 * a value Glue never gives LastCrawl.Status, so accepting it changes nothing
 * on AWS.
 */
export const SUCCEEDED_CRAWL_STATUSES = ['SUCCEEDED', 'COMPLETED'];

export interface CrawlerRunOptions {
  /** `Raw` or `Curated`: the word in the state names. */
  readonly layerWord: string;
  /** The crawler's name. */
  readonly crawlerName: string;
  /** Time between two GetCrawler calls. */
  readonly pollInterval: Duration;
  /** How many polls before the crawler is declared timed out. */
  readonly maxPolls: number;
  /** Where every failure goes. */
  readonly onFailure: sfn.IChainable;
  /** Where the failure is put in the state, for `onFailure`. */
  readonly failurePath: string;
}

/** The states of one crawler run: its start and its bounded wait. */
export interface CrawlerRun {
  /** The first state: StartXCrawler. */
  readonly start: sfn.TaskStateBase;
  /** Every task state, for the checks. */
  readonly tasks: sfn.TaskStateBase[];
  /** Where the run goes once the crawl SUCCEEDED. */
  next(state: sfn.IChainable): void;
}

/**
 * Builds Start<Layer>Crawler and the bounded poll WaitFor<Layer>Crawler:
 * Wait → count the poll → GetCrawler (state only) → Choice. When the crawler
 * is READY, a second GetCrawler reads the last crawl's status, which is
 * SUCCEEDED or fails the run. A crawler still running after `maxPolls` polls
 * fails the run with `Lakehouse.CrawlerTimeout`: ASL cannot subtract
 * timestamps, so the timeout is a poll count.
 */
export function crawlerRun(scope: Construct, options: CrawlerRunOptions): CrawlerRun {
  const { layerWord, crawlerName } = options;
  const statePath = `$.${layerWord.toLowerCase()}_crawler`;
  const crawlerArn = Stack.of(scope).formatArn({ service: 'glue', resource: 'crawler', resourceName: crawlerName });

  const start = new tasks.CallAwsService(scope, `Start${layerWord}Crawler`, {
    comment: `Starts the ${layerWord.toLowerCase()} crawler`,
    service: 'glue',
    action: 'startCrawler',
    iamAction: 'glue:StartCrawler',
    iamResources: [crawlerArn],
    parameters: { Name: crawlerName },
    // StartCrawler returns nothing useful; its result starts the poll counter.
    resultSelector: { polls: 0 },
    resultPath: statePath,
  });

  const alreadyRunning = new sfn.Pass(scope, `${layerWord}CrawlerAlreadyRunning`, {
    comment: 'The crawler was already running: wait for that crawl instead of failing',
    result: sfn.Result.fromObject({ polls: 0 }),
    resultPath: statePath,
  });

  const wait = new sfn.Wait(scope, `WaitFor${layerWord}Crawler`, {
    comment: `Waits between two polls of the ${layerWord.toLowerCase()} crawler (at most ${options.maxPolls} polls)`,
    time: sfn.WaitTime.duration(options.pollInterval),
  });

  const countPoll = new sfn.Pass(scope, `Count${layerWord}CrawlerPoll`, {
    parameters: { 'polls.$': `States.MathAdd(${statePath}.polls, 1)` },
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

  const getState = getCrawler(`Get${layerWord}CrawlerState`, { 'State.$': '$.Crawler.State' }, `${statePath}.crawler`,
    'Reads only the crawler state: the whole response has timestamps and can be large');

  // LastCrawl is absent until a crawler's first crawl ends, and ErrorMessage
  // exists only for failed crawls; a ResultSelector path that does not exist
  // fails the task. So the crawl's status is read only once the crawler is
  // READY again, when the crawl just waited for is the last crawl.
  const getResult = getCrawler(`Get${layerWord}CrawlResult`, { 'Status.$': '$.Crawler.LastCrawl.Status' }, `${statePath}.last_crawl`);

  const crawlFailed = new sfn.Pass(scope, `${layerWord}CrawlFailed`, {
    parameters: {
      Error: CRAWL_FAILED_ERROR,
      'Cause.$': `States.Format('Glue crawler ${crawlerName} ended its last crawl with status {}; its log stream in /aws-glue/crawlers says why', ${statePath}.last_crawl.Status)`,
    },
    resultPath: options.failurePath,
  });

  const timedOut = new sfn.Pass(scope, `${layerWord}CrawlerTimedOut`, {
    parameters: {
      Error: CRAWLER_TIMEOUT_ERROR,
      'Cause.$': `States.Format('Glue crawler ${crawlerName} was still running after {} polls, ${options.pollInterval.toSeconds()} seconds apart', ${statePath}.polls)`,
    },
    resultPath: options.failurePath,
  });

  const isReady = new sfn.Choice(scope, `Is${layerWord}CrawlerReady`);
  const checkResult = new sfn.Choice(scope, `Check${layerWord}CrawlResult`);

  start.addCatch(alreadyRunning, { errors: CRAWLER_RUNNING_ERRORS, resultPath: sfn.JsonPath.DISCARD });
  const taskStates = [start, getState, getResult];
  for (const task of taskStates) {
    addTransientRetry(task, GLUE_TRANSIENT_ERRORS);
    task.addCatch(options.onFailure, { errors: [sfn.Errors.ALL], resultPath: options.failurePath });
  }
  crawlFailed.next(options.onFailure);
  timedOut.next(options.onFailure);

  start.next(wait);
  alreadyRunning.next(wait);
  wait.next(countPoll).next(getState).next(isReady);
  isReady
    .when(sfn.Condition.stringEquals(`${statePath}.crawler.State`, 'READY'), getResult)
    .when(sfn.Condition.numberGreaterThanEquals(`${statePath}.polls`, options.maxPolls), timedOut)
    .otherwise(wait);
  getResult.next(checkResult);
  checkResult.otherwise(crawlFailed);

  return {
    start,
    tasks: taskStates,
    next: (state: sfn.IChainable) => {
      checkResult.when(sfn.Condition.or(
        ...SUCCEEDED_CRAWL_STATUSES.map(status => sfn.Condition.stringEquals(`${statePath}.last_crawl.Status`, status)),
      ), state);
    },
  };
}
