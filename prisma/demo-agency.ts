import type { RetentionPeriod } from '../domain/retention';
import type { Role } from '../domain/roles';
import type { SecurityLevel } from '../domain/security';

/**
 * The demo agency: one bureau with two fonds, the national categories of the 2009 rule
 * (人社部/国家档案局令第3号 appendix) and their default retention periods, one user per role.
 */
export interface MaterialSpec {
  name: string;
  imageRequired?: boolean;
  keepOriginal?: boolean;
  sealOrSignature?: boolean;
}
export interface BusinessTypeSpec {
  code: string;
  name: string;
  retention: RetentionPeriod;
  minDpi?: number;
  materials: MaterialSpec[];
}
export interface NodeSpec {
  code: string;
  name: string;
  children?: NodeSpec[];
  businessTypes?: BusinessTypeSpec[];
}

const slipAnd = (...names: string[]): MaterialSpec[] => [{ name: '综合处理单' }, ...names.map((name) => ({ name }))];

export const DEMO_AGENCY = { code: 'SB01', name: '示范市社会保险事业管理局' };

export const DEMO_SCHEME = {
  name: '社会保险业务档案分类方案',
  category: 'SB',
  nodes: [
    {
      code: 'GL',
      name: '社会保险管理类',
      businessTypes: [
        {
          code: 'GL01',
          name: '参保单位登记',
          retention: 'Y',
          materials: [...slipAnd('营业执照复印件'), { name: '参保登记表', sealOrSignature: true, keepOriginal: true }],
        },
        {
          code: 'GL02',
          name: '参保人员登记',
          retention: 'D100',
          materials: [...slipAnd('身份证复印件'), { name: '参保人员登记表', sealOrSignature: true }],
        },
        { code: 'GL03', name: '个人账户管理', retention: 'D100', materials: slipAnd('个人账户变更申请表') },
        { code: 'GL04', name: '社会保障卡（手册）管理', retention: 'D50', materials: slipAnd('社会保障卡申领表') },
        { code: 'GL05', name: '待遇资格认证', retention: 'D50', materials: slipAnd('资格认证表') },
      ],
    },
    {
      code: 'ZJ',
      name: '社会保险费征缴类',
      businessTypes: [
        {
          code: 'ZJ01',
          name: '缴费基数核定',
          retention: 'D100',
          materials: [...slipAnd('工资总额申报表'), { name: '核定表', sealOrSignature: true }],
        },
        { code: 'ZJ02', name: '缴费明细表及汇总表', retention: 'D50', materials: slipAnd('缴费明细表') },
        { code: 'ZJ03', name: '年度基金收支汇总', retention: 'Y', materials: slipAnd('年度汇总表') },
      ],
    },
    {
      code: 'DY',
      name: '社会保险待遇类',
      children: [
        {
          code: 'YL',
          name: '养老保险待遇类',
          businessTypes: [
            {
              code: 'YL01',
              name: '养老待遇核定',
              retention: 'D50',
              materials: [...slipAnd('退休审批表', '身份证复印件'), { name: '待遇核定表', sealOrSignature: true, keepOriginal: true }],
            },
            { code: 'YL02', name: '养老待遇支付明细', retention: 'D30', materials: slipAnd('支付明细表') },
          ],
        },
        {
          code: 'YB',
          name: '医疗保险待遇类',
          businessTypes: [
            { code: 'YB01', name: '门诊待遇审批', retention: 'D10', materials: slipAnd('门诊特殊病种申请表', '诊断证明') },
            { code: 'YB02', name: '医疗费用支付明细', retention: 'D30', materials: slipAnd('费用支付明细表') },
          ],
        },
        {
          code: 'SY',
          name: '失业保险待遇类',
          businessTypes: [{ code: 'SY01', name: '失业保险金审批', retention: 'D10', materials: slipAnd('失业登记表') }],
        },
        {
          code: 'GS',
          name: '工伤保险待遇类',
          businessTypes: [
            {
              code: 'GS01',
              name: '工伤认定',
              retention: 'D50',
              minDpi: 300,
              materials: [...slipAnd('工伤认定申请表', '医疗诊断证明'), { name: '认定决定书', sealOrSignature: true, keepOriginal: true }],
            },
            { code: 'GS02', name: '伤残及工亡待遇审批', retention: 'D50', materials: slipAnd('劳动能力鉴定结论', '待遇审批表') },
          ],
        },
        {
          code: 'SYU',
          name: '生育保险待遇类',
          businessTypes: [{ code: 'SYU01', name: '生育待遇审批', retention: 'D10', materials: slipAnd('生育医学证明') }],
        },
      ],
    },
    {
      code: 'TJ',
      name: '社会保险业务统计报表类',
      businessTypes: [
        { code: 'TJ01', name: '年度统计报表', retention: 'Y', materials: slipAnd('年度统计报表') },
        { code: 'TJ02', name: '月度及季度统计报表', retention: 'D10', materials: slipAnd('统计报表') },
      ],
    },
    {
      code: 'JH',
      name: '社会保险稽核监管类',
      businessTypes: [{ code: 'JH01', name: '稽核检查材料', retention: 'D30', materials: slipAnd('稽核通知书', '稽核报告') }],
    },
  ] satisfies NodeSpec[],
};

export const DEMO_FONDS = [
  { code: 'J001', name: '示范市社会保险事业管理局养老保险科', orgCode: 'YL' },
  { code: 'J002', name: '示范市社会保险事业管理局医疗保险科', orgCode: 'YB' },
];

export const DEMO_OFFICES = [
  { code: 'BS01', name: '市民中心社保服务窗口' },
  { code: 'BS02', name: '东城区社保经办大厅' },
];

export const DEMO_LOCATIONS = [
  { room: 'A101', shelf: '01' },
  { room: 'A101', shelf: '02' },
];

export interface UserSpec {
  username: string;
  displayName: string;
  roles: Role[];
  clearance: SecurityLevel;
  fonds: string[];
  citizenId?: string;
  creditCode?: string;
}

export const DEMO_USERS: UserSpec[] = [
  { username: 'clerk', displayName: '王经办', roles: ['clerk'], clearance: 'internal', fonds: ['J001'] },
  { username: 'archivist', displayName: '李档案', roles: ['archivist'], clearance: 'secret', fonds: ['J001', 'J002'] },
  { username: 'manager', displayName: '张主任', roles: ['archive_manager'], clearance: 'confidential', fonds: ['J001', 'J002'] },
  { username: 'appraiser', displayName: '赵鉴定', roles: ['appraisal_member'], clearance: 'secret', fonds: ['J001', 'J002'] },
  { username: 'compliance1', displayName: '钱监销', roles: ['compliance_officer'], clearance: 'secret', fonds: ['J001', 'J002'] },
  { username: 'compliance2', displayName: '孙监销', roles: ['compliance_officer'], clearance: 'secret', fonds: ['J001', 'J002'] },
  { username: 'head', displayName: '周局长', roles: ['agency_head'], clearance: 'top_secret', fonds: ['J001', 'J002'] },
  { username: 'auditor', displayName: '吴审计', roles: ['auditor'], clearance: 'confidential', fonds: ['J001', 'J002'] },
  {
    username: 'insured',
    displayName: '陈参保',
    roles: ['insured_person'],
    clearance: 'public',
    fonds: [],
    citizenId: '11010519491231002X',
  },
  {
    username: 'employer',
    displayName: '示范科技有限公司',
    roles: ['employer'],
    clearance: 'public',
    fonds: [],
    creditCode: '91110000600037341L',
  },
  { username: 'admin', displayName: '系统管理员', roles: ['administrator'], clearance: 'internal', fonds: ['J001', 'J002'] },
];
