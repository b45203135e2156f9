/** The plastrond version, reported by `--version` and sent as `User-Agent: plastrond/<version>`. */
export const VERSION = "0.1.0";
