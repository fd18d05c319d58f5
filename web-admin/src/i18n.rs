//! The message catalogue: every string a page shows, in English and Simplified Chinese.
//!
//! Messages are an enum, so a page cannot show a string that is missing a translation: the
//! `match` in [`Msg::text`] is exhaustive, and a test checks no entry is left empty.

use store::config::Language;

macro_rules! catalogue {
    ($($v:ident => $en:literal, $zh:literal;)+) => {
        /// A message of the UI.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum Msg { $($v),+ }
        impl Msg {
            /// Every message (for the catalogue test).
            pub const ALL: &'static [Msg] = &[$(Msg::$v),+];
            /// The text in `lang` (English for any language the catalogue lacks).
            #[must_use]
            pub fn text(self, lang: Language) -> &'static str {
                let zh = lang == Language::Zh;
                match self { $(Msg::$v => if zh { $zh } else { $en }),+ }
            }
        }
    };
}

catalogue! {
    AppTitle => "Call-center appliance", "呼叫中心设备";
    Login => "Log in", "登录";
    Logout => "Log out", "退出";
    Username => "User name", "用户名";
    Password => "Password", "密码";
    LoginFailed => "Wrong user name or password.", "用户名或密码错误。";
    LockedOut => "Too many failed logins. Try again later.", "登录失败次数过多，请稍后再试。";
    ChangePassword => "Change password", "修改密码";
    MustChangePassword => "You must change the default password before going on.", "继续之前必须修改默认密码。";
    CurrentPassword => "Current password", "当前密码";
    NewPassword => "New password", "新密码";
    RepeatPassword => "Repeat new password", "重复新密码";
    PasswordsDiffer => "The two new passwords differ.", "两次输入的新密码不一致。";
    PasswordSameAsOld => "The new password must differ from the current one.", "新密码不能与当前密码相同。";
    PasswordChanged => "Password changed.", "密码已修改。";
    Dashboard => "Dashboard", "概览";
    Users => "Users", "用户";
    Agents => "Agents", "坐席";
    Skills => "Skills", "技能";
    Queues => "Queues", "队列";
    DialPlan => "Dial plan", "拨号规则";
    Extensions => "Extensions", "分机";
    Spans => "E1 spans", "E1 中继";
    SipTrunks => "SIP trunks", "SIP 中继";
    TrunkGroups => "Trunk groups", "中继组";
    Audit => "Audit log", "审计日志";
    Reports => "Reports", "报表";
    Wallboard => "Wallboard", "实时看板";
    Name => "Name", "名称";
    Number => "Number", "号码";
    Strategy => "Strategy", "分配策略";
    ServiceLevelS => "Service level T (s)", "服务水平阈值 T（秒）";
    ShortAbandonS => "Short abandon (s)", "短放弃阈值（秒）";
    MaxLen => "Max. waiting", "最大排队数";
    MaxWaitS => "Max. wait (s)", "最长等待（秒）";
    WrapupS => "Wrap-up (s)", "话后处理（秒）";
    Create => "Create", "新建";
    Delete => "Delete", "删除";
    Save => "Save", "保存";
    Role => "Role", "角色";
    Language => "Language", "语言";
    DisplayName => "Shown name", "显示名称";
    Id => "Id", "编号";
    Kind => "Kind", "类型";
    Details => "Details", "详情";
    When => "When", "时间";
    Who => "Who", "操作人";
    What => "What", "内容";
    Revision => "Revision", "版本";
    From => "From", "开始";
    To => "To", "结束";
    Show => "Show", "查看";
    ExportCsv => "Export CSV", "导出 CSV";
    Offered => "Offered", "呼入";
    Answered => "Answered", "接听";
    Abandoned => "Abandoned", "放弃";
    ServiceLevel => "Service level", "服务水平";
    Asa => "ASA (s)", "平均应答时间（秒）";
    Aht => "AHT (s)", "平均处理时长（秒）";
    AbandonRate => "Abandon rate", "放弃率";
    Occupancy => "Occupancy", "占用率";
    Queue => "Queue", "队列";
    Agent => "Agent", "坐席";
    ErlangC => "Erlang C staffing", "Erlang C 排班计算";
    CallsPerHour => "Calls per hour", "每小时呼叫数";
    AhtSeconds => "AHT (s)", "平均处理时长（秒）";
    TargetSl => "Target service level (%)", "目标服务水平（%）";
    TargetT => "Answer within (s)", "应答时限（秒）";
    Shrinkage => "Shrinkage (%)", "缩减率（%）";
    Calculate => "Calculate", "计算";
    AgentsNeeded => "Agents needed", "所需坐席";
    ScheduledHeads => "Scheduled heads", "排班人数";
    ProbWait => "Probability of waiting", "等待概率";
    Waiting => "Waiting", "排队中";
    LongestWait => "Longest wait", "最长等待";
    SlToday => "SL today", "今日服务水平";
    State => "State", "状态";
    TimeInState => "Time in state", "状态时长";
    Alarms => "Alarms", "告警";
    NoAlarms => "No alarms.", "无告警。";
    Forbidden => "You are not allowed to do this.", "无权执行此操作。";
    NotFound => "Not found.", "未找到。";
    Saved => "Saved.", "已保存。";
    InvalidInput => "Invalid input", "输入无效";
    Chart => "Answered and abandoned per queue", "各队列接听与放弃";
    LiveUpdates => "Live (updates every second)", "实时（每秒更新）";
    ChannelsInUse => "Channels in use", "占用通道";
    AgentDesktop => "Agent desktop", "坐席工作台";
    NoAgentLinked => "No agent is linked to your user: ask an administrator to link one.", "您的用户未关联坐席，请联系管理员。";
    AgentState => "Agent state", "坐席状态";
    LogOn => "Log on", "签入";
    Ready => "Ready", "就绪";
    NotReady => "Not ready", "未就绪";
    ReasonBreak => "Break", "休息";
    ReasonTraining => "Training", "培训";
    ReasonMeeting => "Meeting", "会议";
    AfterCallWork => "After-call work", "话后处理";
    LogOff => "Log off", "签出";
    Calls => "Calls", "通话";
    Answer => "Answer", "接听";
    HangUp => "Hang up", "挂断";
    Hold => "Hold", "保持";
    Retrieve => "Retrieve", "恢复";
    BlindTransfer => "Blind transfer", "盲转";
    Consult => "Consult", "咨询";
    CompleteTransfer => "Complete transfer", "完成转接";
    Conference => "Conference", "会议通话";
    SendDtmf => "Send DTMF", "发送按键";
    StartRecording => "Start recording", "开始录音";
    PauseRecording => "Pause recording", "暂停录音";
    ResumeRecording => "Resume recording", "恢复录音";
    StopRecording => "Stop recording", "停止录音";
    RecordingState => "Recording", "录音状态";
    Customer => "Customer", "客户";
    IvrData => "IVR data", "IVR 收集信息";
    History => "Interaction history", "联络历史";
    OpenTickets => "Open tickets", "未结工单";
    Subject => "Subject", "主题";
    CreateTicket => "Create ticket", "新建工单";
    NotesDisposition => "Notes and disposition", "备注与处理结果";
    Disposition => "Disposition", "处理结果";
    DispResolved => "Resolved", "已解决";
    DispFollowUp => "Follow-up needed", "需要跟进";
    DispEscalated => "Escalated", "已升级";
    DispWrongNumber => "Wrong number", "打错电话";
    Notes => "Notes", "备注";
    ClickToDial => "Click to dial", "点击拨号";
    Dial => "Dial", "拨号";
    KnowledgeBase => "Knowledge base", "知识库";
    Search => "Search", "搜索";
    Callbacks => "Scheduled callbacks", "预约回拨";
    ScheduleCallback => "Schedule callback", "预约回拨";
    Recordings => "Recordings", "录音";
    QaSample => "QA sample size", "质检抽样数";
    Found => "Found", "找到";
    Started => "Started", "开始时间";
    Play => "Play", "播放";
    QaScore => "QA score", "质检评分";
    NoQaForms => "No QA form yet", "尚无质检表";
    QaForms => "QA forms", "质检表";
    AllCategories => "All categories", "全部分类";
    SearchResults => "Search results", "搜索结果";
    Articles => "Articles", "文章";
    Title => "Title", "标题";
    Category => "Category", "分类";
    Categories => "Categories", "分类列表";
    Edit => "Edit", "编辑";
    NewArticle => "New article", "新文章";
    BusinessHours => "Business hours", "营业时间";
    OpeningHours => "Opening hours", "开放时段";
    Holidays => "Holidays", "节假日";
    OpenNow => "Open now", "当前营业";
    QueueSchedule => "Queue hours and closed destination", "队列营业时间与非营业去向";
    ClosedTo => "When closed, callers go to", "非营业时间来电转至";
    AlwaysOpen => "always open", "全天开放";
    Yes => "yes", "是";
    No => "no", "否";
    Profile => "My profile", "个人设置";
    IvrFlows => "IVR flows", "IVR 流程";
    Version => "Version", "版本";
    Active => "Active", "生效";
    Validate => "Validate", "校验";
    SaveVersion => "Save as new version", "保存为新版本";
    Activate => "Activate", "启用";
    NewFlow => "New flow", "新建流程";
    AddNode => "Add node", "添加节点";
    StartNode => "Start node", "起始节点";
    FlowValid => "The flow is valid.", "流程校验通过。";
    System => "System", "系统";
    Network => "Network", "网络";
    TimeNtp => "Time and NTP", "时间与 NTP";
    Backup => "Backup and restore", "备份与恢复";
    Firmware => "Firmware update", "固件升级";
    Logs => "Logs", "日志";
    SupervisorActions => "Supervisor", "班长操作";
    MyPhone => "My phone (extension)", "我的话机(分机)";
    Listen => "Listen", "监听";
    Whisper => "Whisper", "密语";
    Barge => "Barge", "强插";
    AnalogPorts => "Analog ports", "模拟端口";
    Port => "Port", "端口";
    Device => "Device", "设备";
    CallerId => "Caller ID", "来电显示";
    CallerIdSettings => "Caller-ID settings", "主叫号码设置";
    CallerIdMode => "Calling number sent", "外发主叫号码";
    CidPass => "the caller's number", "透传主叫号码";
    CidPrefix => "prefix + the caller's number", "前缀 + 主叫号码";
    CidFixed => "one fixed number", "固定号码";
    CallerIdNumber => "Prefix or fixed number", "前缀或固定号码";
    SendRestricted => "Send a withheld number flagged restricted", "隐藏号码仍发送（标记为限制显示）";
    SendPai => "Trusted provider: send P-Asserted-Identity", "可信运营商：发送 P-Asserted-Identity";
    OutboundNumber => "Outbound number (empty: the extension number)", "外显号码（空：使用分机号）";
    Presentation => "Presentation", "号码显示";
    PresentationAllowed => "shown", "显示";
    PresentationRestricted => "withheld", "隐藏";
    ToneCountry => "Tone plan", "信号音制式";
    RingCadence => "Ring cadence", "振铃节奏";
    RingOnMs => "Ring on (ms)", "振铃时长（毫秒）";
    RingOffMs => "Ring off (ms)", "振铃间隔（毫秒）";
    AnswerSupervision => "Answer", "应答检测";
    AnswerOnPolarity => "polarity reversal", "极性反转";
    AnswerOnPolarityFxo => "FXO: answered at the exchange's polarity reversal (only if the line gives one)", "FXO：以交换机极性反转作为应答（仅限提供极性反转的线路）";
    ExtensionFxsSound => "Extension (FXS, sound)", "分机号（FXS、声卡）";
    RouteFxo => "Routed as (FXO)", "呼入路由号码（FXO）";
    PortsApplyAtRestart => "Saved and in the audit log at once. The daemon opens line ports at start: restart it (systemctl restart appliance) for a change to take effect.", "保存后立即记入审计日志。守护进程在启动时打开线路端口：修改需重启（systemctl restart appliance）后生效。";
    AppliesAtReload => "Saved and in the audit log at once. The daemon sees the new configuration revision and applies it within a few seconds (to calls connected from then on).", "保存后立即记入审计日志。守护进程发现配置版本变化后，几秒内生效（对此后接通的呼叫）。";
    RecordingRules => "Recording rules", "录音规则";
    RecordedQueues => "Queues whose calls are recorded", "录音的队列";
    AllQueues => "All queues", "全部队列";
    RetainDays => "Keep recordings (days; empty: forever)", "录音保留天数（留空：永久保留）";
    Announcements => "Queue announcements", "队列播报";
    FirstAfterS => "First after (s)", "首次播报（秒）";
    EveryS => "Then every (s)", "之后每隔（秒）";
    SayPosition => "Say position", "播报排队位置";
    SayWaitTime => "Say wait time", "播报预计等待时间";
    PeriodicPrompts => "Periodic prompts", "循环提示音数";
    CallbackAttempts => "Callback attempts", "回拨尝试次数";
    ChatSettings => "Web chat", "网页聊天";
    ChatCapacity => "Chats per agent at once", "每位坐席同时处理的会话数";
    Voicemail => "Voicemail", "语音留言";
    VoicemailSilence => "Seconds of silence that end a voicemail message (0: never)", "留言静音多少秒后自动结束（0：不自动结束）";
    ChatAppliesNow => "Saved, in the audit log and applied to web chat at once.", "保存后立即记入审计日志，并立即对网页聊天生效。";
    ChatOff => "Web chat is not running on this panel: the setting is stored and applies when chat starts.", "本面板未运行网页聊天：设置已保存，聊天服务启动时生效。";
    Numbers => "Numbers (DIDs)", "号码（DID）";
    NumbersExplained => "The numbers a call from outside (E1, FXO lines, SIP trunks) reaches, in the order the daemon tries them: first every extension, analog or sound port extension and queue number (change those on the extension, port or queue), then the DID rules below by priority, then 8000 for the IVR when nothing else matched it. The first match wins.", "外部来电（E1、FXO 外线、SIP 中继）可到达的号码，按守护进程的匹配顺序排列：先是所有分机号、模拟或声卡端口分机号、队列号码（在对应的分机、端口或队列中修改），然后按优先级匹配下面的 DID 规则，最后在未被占用时由 8000 进入 IVR。先匹配者生效。";
    DidRules => "DID rules", "DID 规则";
    Extension => "Extension", "分机";
    DidRulesExplained => "Called numbers from the carrier, rewritten (strip digits in front, then prepend) and sent to an extension, a queue, an IVR flow, the extension the rewritten number names, or refused with a Q.850 cause. Never to a trunk group: calls from outside do not go back out. Changes apply within seconds.", "来自运营商的被叫号码，经改写（先去掉前面若干位，再加前缀）后送往分机、队列、IVR 流程、改写后号码所指的分机，或以 Q.850 原因值拒绝。不能送往中继组：外部来电不会再转出。修改在数秒内生效。";
    Priority => "Priority", "优先级";
    Pattern => "Pattern", "号码模式";
    StripDigits => "Strip digits", "去掉前几位";
    PrependDigits => "Prepend", "加前缀";
    Target => "Target", "目标";
    TargetIdOrName => "Extension/queue id, IVR flow or cause", "分机/队列 ID、IVR 流程或原因值";
    DialledExtension => "The dialled extension", "所拨分机";
    RejectCause => "Reject (Q.850 cause)", "拒绝（Q.850 原因值）";
    IvrFlow => "IVR flow", "IVR 流程";
    FxoRoutes => "Lines from the exchange (FXO)", "外线（FXO）";
    Reachable => "Reachable", "可达";
    TrunkGroup => "Trunk group", "所属中继组";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages() {
        for m in Msg::ALL {
            let en = m.text(Language::En);
            let zh = m.text(Language::Zh);
            assert!(!en.is_empty() && !zh.is_empty(), "{m:?}");
            assert_ne!(en, zh, "{m:?} is not translated");
        }
    }
}
