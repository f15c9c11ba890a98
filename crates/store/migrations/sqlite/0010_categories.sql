-- Categories and qualifications (clause 2.8, wechat-api.md §8.2): the operator-maintained
-- catalogue (at most three levels; parent 0 is the root) and the categories each mini program
-- applies for, with the qualification documents (media ids) it sent.
CREATE TABLE categories (
    id                   INTEGER PRIMARY KEY,
    parent_id            INTEGER NOT NULL,
    level                INTEGER NOT NULL,
    name                 TEXT NOT NULL,
    sensitive            INTEGER NOT NULL,
    -- JSON list of the names of the qualification documents an application must carry.
    qualifications_json  TEXT NOT NULL,
    qualification_remark TEXT NOT NULL,
    special_rules        TEXT,
    -- Comma-separated subject types that may take the category; empty means every type.
    subject_types        TEXT NOT NULL,
    delisted             INTEGER NOT NULL,
    created_at           INTEGER NOT NULL
);
CREATE UNIQUE INDEX categories_sibling_names ON categories (parent_id, name);

-- state: reviewing → approved | rejected; a rejected one returns to reviewing when its
-- qualifications are sent again (modifycategory).
CREATE TABLE app_categories (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id            INTEGER NOT NULL REFERENCES apps(id),
    first_id          INTEGER NOT NULL,
    second_id         INTEGER NOT NULL,
    state             TEXT NOT NULL,
    reason            TEXT,
    certificates_json TEXT NOT NULL,
    applied_at        INTEGER NOT NULL,
    decided_at        INTEGER,
    decided_by        INTEGER REFERENCES developers(id)
);
-- One application per category and mini program (53304): the database decides.
CREATE UNIQUE INDEX app_categories_one_per_app ON app_categories (app_id, first_id, second_id);
CREATE INDEX app_categories_by_state ON app_categories (state, applied_at);

-- Categories added per mini program and month (53300); deleting one gives nothing back.
CREATE TABLE category_adds (
    app_id INTEGER NOT NULL REFERENCES apps(id),
    month  INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (app_id, month)
);

-- The default catalogue, shaped like WeChat's.
INSERT INTO categories (id, parent_id, level, name, sensitive, qualifications_json, qualification_remark, special_rules, subject_types, delisted, created_at) VALUES
    (1, 0, 1, '工具', 0, '[]', '', NULL, '', 0, 0),
    (101, 1, 2, '效率', 0, '[]', '', NULL, '', 0, 0),
    (102, 1, 2, '信息查询', 0, '[]', '', NULL, '', 0, 0),
    (103, 1, 2, '天气', 0, '[]', '', NULL, '', 0, 0),
    (104, 1, 2, '办理工具', 0, '[]', '', NULL, '', 0, 0),
    (2, 0, 1, '教育', 0, '[]', '', NULL, '', 0, 0),
    (201, 2, 2, '在线教育', 1, '["办学许可证"]', '民办学校办学许可证，或教育主管部门的批准文件', NULL, 'enterprise,government,other_organisation', 0, 0),
    (202, 2, 2, '教育信息服务', 0, '[]', '', NULL, '', 0, 0),
    (203, 2, 2, '培训机构', 1, '["办学许可证", "营业执照"]', '培训机构的办学许可证及营业执照', NULL, 'enterprise,other_organisation', 0, 0),
    (3, 0, 1, '商业服务', 0, '[]', '', NULL, '', 0, 0),
    (301, 3, 2, '企业管理', 0, '[]', '', NULL, '', 0, 0),
    (302, 3, 2, '法律服务', 1, '["律师事务所执业许可证"]', '律师事务所执业许可证或法律援助机构证明', NULL, 'enterprise,government,other_organisation', 0, 0),
    (303, 3, 2, '会展服务', 0, '[]', '', NULL, '', 0, 0),
    (304, 3, 2, '广告/设计', 0, '[]', '', NULL, '', 0, 0),
    (4, 0, 1, '餐饮', 0, '[]', '', NULL, '', 0, 0),
    (401, 4, 2, '餐饮服务场所/餐饮服务管理企业', 0, '["食品经营许可证"]', '食品经营许可证（或餐饮服务许可证）', NULL, '', 0, 0),
    (402, 4, 2, '点评与推荐', 0, '[]', '', NULL, '', 0, 0),
    (403, 4, 2, '菜谱', 0, '[]', '', NULL, '', 0, 0),
    (5, 0, 1, '社交', 0, '[]', '', NULL, '', 0, 0),
    (501, 5, 2, '社区/论坛', 0, '[]', '', '用户生成内容（UGC）：须在提审时填写 ugc_declare，说明内容安全审核机制并接入内容安全接口。', 'enterprise,government,media,other_organisation', 0, 0),
    (502, 5, 2, '笔记', 0, '[]', '', '用户生成内容（UGC）：须在提审时填写 ugc_declare，说明内容安全审核机制并接入内容安全接口。', 'enterprise,government,media,other_organisation', 0, 0),
    (503, 5, 2, '问答', 0, '[]', '', '用户生成内容（UGC）：须在提审时填写 ugc_declare，说明内容安全审核机制并接入内容安全接口。', 'enterprise,government,media,other_organisation', 0, 0),
    (6, 0, 1, '医疗', 1, '[]', '', NULL, 'enterprise,government,other_organisation', 0, 0),
    (601, 6, 2, '公立医疗机构', 1, '["医疗机构执业许可证"]', '医疗机构执业许可证', NULL, 'government,other_organisation', 0, 0),
    (602, 6, 2, '私立医疗机构', 1, '["医疗机构执业许可证", "营业执照"]', '医疗机构执业许可证及营业执照', NULL, 'enterprise', 0, 0),
    (603, 6, 2, '药品信息', 1, '["互联网药品信息服务资格证书"]', '互联网药品信息服务资格证书', NULL, 'enterprise,government,other_organisation', 0, 0),
    (7, 0, 1, '生活服务', 0, '[]', '', NULL, '', 0, 0),
    (701, 7, 2, '家政', 0, '[]', '', NULL, '', 0, 0),
    (702, 7, 2, '丽人', 0, '[]', '', NULL, '', 0, 0),
    (703, 7, 2, '宠物（非医院类）', 0, '[]', '', NULL, '', 0, 0),
    (704, 7, 2, '环保回收/废品回收', 0, '[]', '', NULL, '', 0, 0),
    (70401, 704, 3, '废品回收', 0, '[]', '', NULL, '', 0, 0),
    (70402, 704, 3, '二手回收', 0, '[]', '', NULL, '', 0, 0),
    (8, 0, 1, '旅游', 0, '[]', '', NULL, '', 0, 0),
    (801, 8, 2, '景区服务', 0, '[]', '', NULL, '', 0, 0),
    (802, 8, 2, '旅游线路', 0, '["旅行社业务经营许可证"]', '旅行社业务经营许可证', NULL, 'enterprise', 0, 0),
    (9, 0, 1, '文娱', 0, '[]', '', NULL, '', 0, 0),
    (901, 9, 2, '资讯', 1, '["互联网新闻信息服务许可证"]', '互联网新闻信息服务许可证', NULL, 'enterprise,government,media', 0, 0),
    (902, 9, 2, '视频', 1, '["信息网络传播视听节目许可证"]', '信息网络传播视听节目许可证', '视频内容须人工审核：检查片源版权与内容安全。', 'enterprise,media', 0, 0);
